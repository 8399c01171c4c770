"""The cinematika roleplay text format: what a model is trained on, written and read in one place.

    [characters]
    <YAML card per main character, a blank line after each>
    NPCS:
    - Shopkeeper
    [/characters]

    [scenario]
    Short description of the scene.
    [/scenario]

    Rorschach: "..." narration in prose ...

The build writes it (`scene_by_scene`, `full_script`), `script2rp chat` writes it as its prompt,
and the exports read it back (`split_scene`). A card is YAML with the keys `name`,
`characteristics` (trait -> text), `description` and `example_dialogue`, in that order, the last two
as block text. Names are written as the screenplay's cue in its written case (`Mara`, `McCLANE`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

CARD_KEYS = ("name", "characteristics", "description", "example_dialogue")
USER = "{{user}}"

# --- names ---------------------------------------------------------------------------------------


def display_name(speaker: str, raw_cue: str = "") -> str:
    """`MARA` -> `Mara`, `DR. JONES` -> `Dr. Jones`; a cue written in mixed case (`McCLANE`) keeps
    the writer's spelling, title-cased only where it was all capitals."""
    words = []
    for word in speaker.split():
        words.append(word if any(c.islower() for c in word) else _title(word))
    return " ".join(words)


def _title(word: str) -> str:
    """`GIRL'S` -> `Girl's`, `O'BRIEN` -> `O'Brien`, `JEAN-LUC` -> `Jean-Luc`; mixed case stays."""
    if not word.isupper():
        return word
    parts = re.split(r"(['’/-])", word)
    out = []
    for n, part in enumerate(parts):
        after_initial = n >= 2 and parts[n - 1] in "'’" and len(parts[n - 2]) == 1  # O'Brien, D'Arcy
        after_joint = n >= 2 and parts[n - 1] in "-/"  # Jean-Luc, Clarence/Alabama
        out.append(part.capitalize() if n == 0 or after_initial or after_joint else part.lower())
    return "".join(out)


def name_key(name: str) -> str:
    """Case- and spacing-insensitive key, so `Mara`, `MARA` and `mara ` are one speaker."""
    return " ".join(name.upper().split())


# --- cards ---------------------------------------------------------------------------------------


class _CardDumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_CardDumper.add_representer(str, _str)


def plain(text: str) -> str:
    """One line of text that YAML keeps as a plain scalar: no `: ` or ` #` inside, no indicator
    character first, no line breaks (a trait's text, as cinematika writes it)."""
    text = " ".join(text.replace(": ", " - ").replace(" #", " ").split())
    return text.lstrip("-?:,[]{}#&*!|>'\"%@` ").rstrip(":")


def dump_card(card: dict) -> str:
    """A card as cinematika writes it: keys in order, one plain line per trait, description and
    example dialogue as `|` blocks, no line wrapping."""
    block = {k: card[k] for k in CARD_KEYS}
    if isinstance(block["characteristics"], dict):
        block["characteristics"] = {plain(str(k)): plain(str(v)) for k, v in block["characteristics"].items()}
    for key in ("description", "example_dialogue"):
        block[key] = block[key].rstrip() + "\n"
    return yaml.dump(block, Dumper=_CardDumper, sort_keys=False, allow_unicode=True, width=float("inf"))


# --- blocks --------------------------------------------------------------------------------------


def characters_block(cards: list[str], npcs: list[str]) -> str:
    """`[characters]` with each card's YAML (a blank line after each) and the `NPCS:` list; "" when
    the scene has neither."""
    if not cards and not npcs:
        return ""
    body = "".join(card.rstrip() + "\n\n" for card in cards)
    if npcs:
        body += "NPCS:\n" + "".join(f"- {n}\n" for n in npcs)
    return f"[characters]\n{body}[/characters]\n\n"


def scenario_block(scenario: str) -> str:
    return f"[scenario]\n{scenario.strip()}\n[/scenario]\n\n" if scenario.strip() else ""


def scene_text(cards: list[str], npcs: list[str], scenario: str, transcript: str) -> str:
    """One training text: the characters block, the scenario and the transcript."""
    return characters_block(cards, npcs) + scenario_block(scenario) + transcript


# --- turns ---------------------------------------------------------------------------------------

# Every word of a name is capitalised: "Out of the murk: a rock" is narration, not a turn.
_TURN = re.compile(r"^\s*\**(?P<name>[A-Z][\w.'’#/&-]*(?: [A-Z0-9#&][\w.'’#/&-]*){0,3})\**\s*:\s+(?P<rest>\S.*)$")


_INNER_QUOTES = re.compile(r'["“”]')


def turn(name: str, says: str, after: str = "", before: str = "") -> str:
    """`Name: before "speech" after` (one paragraph); quotes inside the speech become single ones,
    so the speech is one quoted span."""
    words = _INNER_QUOTES.sub("'", " ".join(says.split()))
    speech = f'"{words}"' if words else ""  # a cue with only a parenthetical: the turn is all action
    return f"{name}: " + " ".join(part for part in (before, speech, after) if part)


def match_turn(paragraph: str) -> tuple[str, str] | None:
    """(speaker, the rest) when the paragraph is a `Name: ...` turn."""
    m = _TURN.match(paragraph)
    return (m["name"], m["rest"]) if m else None


def turns(transcript: str) -> list[tuple[str, str]]:
    """(speaker, text) for each `Name: ...` line; narration paragraphs come back as ("", text)."""
    result = []
    for para in transcript.splitlines():
        if not para.strip():
            continue
        result.append(match_turn(para) or ("", para.strip()))
    return result


def paragraphs(transcript: str) -> list[tuple[str, str]]:
    """(speaker or "", full paragraph text) in order; the text keeps its `Name: ` prefix."""
    out = []
    for para in transcript.splitlines():
        if para.strip():
            found = match_turn(para)
            out.append((found[0] if found else "", para.strip()))
    return out


# --- reading a training text back ------------------------------------------------------------------

_BLOCK = re.compile(r"^\[characters\]\n(?P<characters>.*?)\[/characters\]\n\n", re.DOTALL)
_SCENARIO = re.compile(r"\[scenario\]\n(?P<scenario>.*?)\n?\[/scenario\]\n\n", re.DOTALL)


@dataclass
class Card:
    name: str
    yaml: str  # the card's text as it stands in the block
    data: dict


@dataclass
class SceneParts:
    """A training text taken apart: the blocks as written, and what they hold."""

    characters_block: str = ""
    cards: list[Card] = field(default_factory=list)
    npcs: list[str] = field(default_factory=list)
    scenario_block: str = ""
    scenario: str = ""
    transcript: str = ""


def split_scene(text: str) -> SceneParts:
    """A `scene_by_scene` text -> its parts (the inverse of `scene_text`)."""
    parts = SceneParts()
    rest = text
    m = _BLOCK.match(text)
    if m:
        parts.characters_block = text[: m.end()].rstrip("\n")
        body, _, npc_part = m["characters"].partition("NPCS:\n")
        parts.npcs = [line[2:].strip() for line in npc_part.splitlines() if line.startswith("- ")]
        for chunk in re.split(r"\n\n(?=name:)", body.strip("\n")):
            if not chunk.strip():
                continue
            try:
                data = yaml.safe_load(chunk)
            except yaml.YAMLError:
                continue
            if isinstance(data, dict) and data.get("name"):
                parts.cards.append(Card(str(data["name"]), chunk.rstrip("\n") + "\n", data))
        rest = text[m.end():]
    m = _SCENARIO.match(rest)
    if m:
        parts.scenario_block = rest[: m.end()].rstrip("\n")
        parts.scenario = m["scenario"].strip()
        rest = rest[m.end():]
    parts.transcript = rest.strip()
    return parts
