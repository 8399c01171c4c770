"""`character_card`: what a main character says and does across the whole script -> a YAML card
(the `character_cards` config).

The prompt gets the character's speeches (and action lines that name them) in script order, cut
to `max_prompt_chars` by keeping an even spread over the script rather than only its opening.
The answer is read leniently (code fences, chatter and tabs repaired), checked against the
cinematika card schema and written back in the cinematika layout (`cinematika.dump_card`).

The schema is small and fixed, so it is checked by hand rather than with a JSON-Schema library:
the messages name the exact fault, which goes into the failure report and the re-ask.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import yaml

from script2rp.cinematika import CARD_KEYS as KEYS
from script2rp.cinematika import USER, dump_card, plain, turn
from script2rp.model import Action, Dialogue, Movie
from script2rp.tasks.screenplay import cast_sheet, shape_words
from script2rp.tasks.shapes import CINEMATIKA, Shape, trim_to_sentence
from script2rp.tasks.structured import prose, speech
from script2rp.tasks.stage import CHARACTER_COLUMNS, TEXT, Config, Context, Failure, Invalid, Job, Results, Stage

TRAIT_PATTERN = r"^[A-Z][A-Za-z'-]{1,20}( [A-Za-z'-]{1,20}){0,3}$"  # compact: bounded, as llama.cpp wants
OPEN_TRAIT_PATTERN = r"^[A-Z][A-Za-z'-]*( [A-Za-z'-]+)*$"  # cinematika: unbounded, cheap for xgrammar
TRAIT_NAME_CHARS = 40
# JSON Schema cannot forbid two pairs with one trait name; decoding can (SamplingParams.distinct).
DISTINCT = ("trait",)


def json_schema(name: str, shape: Shape = CINEMATIKA) -> dict:
    """The card as JSON, for backends that constrain decoding to a schema.

    Shaped so that what the grammar allows is what `check_card` accepts, using only keywords every
    constrained decoder we target handles (llama.cpp grammars, vLLM's xgrammar; not
    `propertyNames`): the name is fixed; the traits are a list of `{trait, text}` pairs with
    capitalised trait names; the description a list of paragraphs; the example dialogue a list of
    lines that alternate between the character (first) and `{{user}}`, each `{speaker, says,
    narration}`. `check_card` turns the lists back into the cinematika mapping and block text.
    Every text can end only on a full sentence (`structured.PROSE`); sizes are the prompt's and the
    validator's, so no length bound makes a grammar slow."""
    low, high = shape.dialogue_lines
    def most(chars: int) -> int | None:  # bounds only in the compact shape (see structured.prose)
        return chars if shape.bounded else None

    line = lambda speaker: {  # noqa: E731
        "type": "object", "properties": {"speaker": {"const": speaker}, "says": speech(most(shape.line_chars)),
                                         "narration": prose(optional=True, most=most(shape.line_chars))},
        "required": ["speaker", "says", "narration"], "additionalProperties": False}
    paragraphs = shape.description_paragraphs
    return {
        "type": "object",
        "properties": {
            "name": {"const": name},
            "characteristics": {
                "type": "array", "minItems": shape.traits[0], "maxItems": shape.traits[1],
                "items": {
                    "type": "object",
                    "properties": {"trait": {"type": "string",
                                             "pattern": TRAIT_PATTERN if shape.bounded else OPEN_TRAIT_PATTERN},
                                   "text": prose(most=most(shape.trait_chars[1]))},
                    "required": ["trait", "text"], "additionalProperties": False,
                },
            },
            "description": {"type": "array", "minItems": paragraphs[0], "maxItems": paragraphs[1],
                            "items": prose(most=most(shape.description_chars[1] // paragraphs[1]))},
            "example_dialogue": {"type": "array", "minItems": low, "maxItems": high, "items": False,
                                 "prefixItems": [line(name if n % 2 == 0 else USER) for n in range(high)]},
        },
        "required": list(KEYS),
        "additionalProperties": False,
    }


class CardError(ValueError):
    """The answer is not a valid card; the message says why."""


_FENCE = re.compile(r"^\s*```[\w-]*\s*$", re.MULTILINE)
_FIRST_KEY = re.compile(r"^name\s*:", re.MULTILINE)


def repair(answer: str) -> str:
    """Undo what models usually get wrong around the YAML: code fences, chatter before the first
    key and after the last block, tabs (YAML forbids them in indentation)."""
    text = _FENCE.sub("", answer).replace("\t", "  ")
    if text.lstrip().startswith("{"):  # JSON from constrained decoding: YAML reads it as it is
        return text.strip() + "\n"
    m = _FIRST_KEY.search(text)
    if m:
        text = text[m.start():]
    lines = text.splitlines()
    # Chatter after the card: an unindented line that is not a `key:` line ends it.
    for i, line in enumerate(lines[1:], 1):
        if line and not line[0].isspace() and not re.match(r"^[\w ]+:", line):
            lines = lines[:i]
            break
    return "\n".join(lines).strip() + "\n"


def parse_card(answer: str, name: str | None = None, shape: Shape = CINEMATIKA) -> dict:
    """The card as a dict with exactly the cinematika keys, or CardError."""
    text = repair(answer)
    try:
        if text.startswith("{"):  # JSON from constrained decoding; raw control characters allowed
            try:
                return check_card(json.loads(text, strict=False), name, shape)
            except json.JSONDecodeError:
                pass  # JSON-like YAML (flow style): let YAML read it
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CardError(f"not YAML: {str(exc).splitlines()[0]}") from exc
    return check_card(data, name, shape)


def check_card(data: object, name: str | None = None, shape: Shape = CINEMATIKA) -> dict:
    """The card in its cinematika form, or CardError: exactly the four keys, sizes within `shape`,
    every text ending on a full sentence (a cut one is taken back to its last), example dialogue
    that opens with the character and gives them quoted speech."""
    if not isinstance(data, dict):
        raise CardError(f"not a mapping but {type(data).__name__}")
    missing = [k for k in KEYS if k not in data]
    extra = [str(k) for k in data if k not in KEYS]
    if missing:
        raise CardError(f"missing keys: {', '.join(missing)}")
    if extra:
        raise CardError(f"unexpected keys: {', '.join(extra)}")
    if not isinstance(data["name"], str) or not data["name"].strip():
        raise CardError("name is empty or not text")
    card_name = data["name"].strip()
    if name and card_name.upper() != name.upper():
        raise CardError(f"card is for {card_name!r}, not {name!r}")
    return {
        "name": card_name,
        "characteristics": _traits(data["characteristics"], shape),
        "description": _description(data["description"], shape),
        "example_dialogue": _dialogue(data["example_dialogue"], card_name, shape),
    }


def _sized(text: object, what: str, chars: tuple[int, int]) -> str:
    if not isinstance(text, str) or not text.strip():
        raise CardError(f"{what} is empty or not text")
    kept = trim_to_sentence(text)
    if not kept:
        raise CardError(f"{what} has no full sentence: {' '.join(text.split())[:60]!r}")
    if not chars[0] <= len(kept) <= chars[1]:
        raise CardError(f"{what} has {len(kept)} characters, want {chars[0]}-{chars[1]}")
    return kept


def _traits(traits: object, shape: Shape) -> dict[str, str]:
    if isinstance(traits, list) and all(isinstance(t, dict) and set(t) == {"trait", "text"} for t in traits):
        pairs, traits = traits, {}  # from `json_schema`; a repeated name keeps its first text
        for pair in pairs:
            traits.setdefault(str(pair["trait"]).strip(), pair["text"])
    elif isinstance(traits, list) and all(isinstance(t, dict) and len(t) == 1 for t in traits):
        traits = {k: v for t in traits for k, v in t.items()}  # "- Trait: text" lists
    if not isinstance(traits, dict):
        raise CardError("characteristics is not a mapping of trait -> text")
    low, high = shape.traits
    if not low <= len(traits) <= high:
        raise CardError(f"{len(traits)} characteristics, want {low}-{high}")
    checked = {}
    for trait, text in traits.items():
        label = plain(str(trait))
        if not label or len(label) > TRAIT_NAME_CHARS:
            raise CardError(f"a characteristic's name is empty or longer than {TRAIT_NAME_CHARS}: {label[:60]!r}")
        checked[label] = plain(_sized(text, f"characteristic {label!r}", shape.trait_chars))
    return checked


def _description(description: object, shape: Shape) -> str:
    if isinstance(description, list):  # paragraphs, from `json_schema`
        description = "\n\n".join(str(p).strip() for p in description)
    if not isinstance(description, str) or not description.strip():
        raise CardError("description is empty or not text")
    paragraphs = [trim_to_sentence(p) for p in re.split(r"\n\s*\n", description.strip())]
    paragraphs = [p for p in paragraphs if p]
    low, high = shape.description_paragraphs
    if not low <= len(paragraphs) <= high:
        raise CardError(f"description has {len(paragraphs)} paragraphs, want {low}-{high}")
    text = "\n\n".join(paragraphs)
    if not shape.description_chars[0] <= len(text) <= shape.description_chars[1]:
        raise CardError(f"description has {len(text)} characters, want "
                        f"{shape.description_chars[0]}-{shape.description_chars[1]}")
    return text


def _dialogue(dialogue: object, name: str, shape: Shape) -> str:
    if isinstance(dialogue, list):  # lines, from `json_schema`
        if not all(isinstance(line, dict) for line in dialogue):
            raise CardError("example_dialogue is a list but not of {speaker, says, narration} lines")
        dialogue = "\n".join(turn(str(line.get("speaker")), str(line.get("says") or ""),
                                  trim_to_sentence(str(line.get("narration") or ""))) for line in dialogue)
    if not isinstance(dialogue, str) or not dialogue.strip():
        raise CardError("example_dialogue is empty or not text")
    lines = [" ".join(line.split()) for line in dialogue.strip().splitlines() if line.strip()]
    low, high = shape.dialogue_lines
    if not low <= len(lines) <= high:
        raise CardError(f"example_dialogue has {len(lines)} lines, want {low}-{high}")
    if not lines[0].upper().startswith(f"{name}:".upper()):
        raise CardError(f"example_dialogue does not open with {name}")
    if not any(line.startswith(f"{USER}:") for line in lines):
        raise CardError("example_dialogue has no {{user}}: line")
    for line in lines:
        if line.upper().startswith(f"{name}:".upper()) and not re.search(r'"[^"]+"', line):
            raise CardError(f"a line of {name} has no quoted speech: {line[:60]!r}")
        if not (line.startswith(f"{USER}:") or line.upper().startswith(f"{name}:".upper())):
            raise CardError(f"example_dialogue line is neither {name}'s nor {{{{user}}}}'s: {line[:60]!r}")
    return "\n".join(lines)


class CharacterCard(Stage):
    name = "character_card"
    prompt = "character_card"
    config = Config("character_cards", CHARACTER_COLUMNS + [("character_cards", TEXT)],
                    "YAML character card per main character (name, characteristics, description, example_dialogue)")

    def jobs(self, movie: Movie, results: Results, ctx: Context) -> Iterator[Job]:
        """Structured: ask for the JSON of `json_schema` (for constrained decoding) instead of YAML."""
        prompt = ctx.prompt(self.name)
        cast = cast_sheet(movie)
        for character in movie.screenplay.main_characters:
            name = movie.name(character.name)
            said, done = [], []
            mention = re.compile(rf"\b{re.escape(character.name)}\b", re.IGNORECASE)
            for scene in movie.screenplay.scenes:
                for el in scene.elements:
                    if isinstance(el, Dialogue) and el.speaker == character.name:
                        said.append(f"- {el.text}")
                    elif isinstance(el, Action) and mention.search(el.text):
                        done.append(f"- {' '.join(el.text.split())}")
            said = _spread(said, ctx.max_prompt_chars * 2 // 3)
            done = _spread(done, ctx.max_prompt_chars // 3) or ["- (no action lines name them)"]
            key = movie.character_id(character)
            yield Job(
                id=key, key=key, stage=self.name, movie=movie.id, item=name, prompt=prompt,
                text=prompt.fill(movie=movie.title, cast=cast, name=name, dialogue="\n".join(said),
                                 actions="\n".join(done), **shape_words(ctx.shape)),
                check=lambda answer, name=name: check(answer, name, ctx.shape),
                json_schema=json_schema(name, ctx.shape) if ctx.structured else None,
                distinct=DISTINCT if ctx.structured else (),
                max_tokens=budget(ctx.shape, prompt.max_tokens),
            )

    def collect(self, movie: Movie, key: str, values: list[dict]) -> str:
        [card] = values
        return dump_card(card)

    def rows(self, movie: Movie, results: Results, ctx: Context) -> Iterator[dict | Failure]:
        cards = results[self.name]
        for character in movie.screenplay.main_characters:
            cid = movie.character_id(character)
            if cid in cards:
                yield {"id": cid, "movie": movie.title, "character": movie.name(character.name),
                       "character_cards": cards[cid]}


def _spread(items: list[str], budget: int) -> list[str]:
    """Items evenly spread over the list whose total length fits `budget`."""
    total = sum(len(i) + 1 for i in items)
    if total <= budget:
        return items
    step = total / budget
    return [item for n, item in enumerate(items) if int(n / step) != int((n - 1) / step) or n == 0]


def budget(shape: Shape, floor: int) -> int:
    """Tokens for a card of the shape's largest size, as JSON, at about 3.5 characters a token."""
    chars = (shape.traits[1] * (shape.trait_chars[1] + 40) + shape.description_chars[1]
             + shape.dialogue_lines[1] * (2 * shape.line_chars + 40))
    return max(floor, int(1.1 * chars / 3.5))


def check(answer: str, name: str, shape: Shape = CINEMATIKA) -> dict:
    try:
        return parse_card(answer, name, shape)
    except CardError as exc:
        raise Invalid(f"card: {exc}") from None
