"""Character Card V2 and V3 (the format SillyTavern and other RP front ends import) from our YAML cards.

Field mapping (our card -> `data`):

- name -> name; description -> description
- characteristics (trait: text) -> personality, one `Trait: text` line each
- example_dialogue -> mes_example: `<START>` before it, the character's own `Name:` lines written as
  `{{char}}:`, `{{user}}` kept
- the `[scenario]` of the first scene where the character appears (scene_by_scene) -> scenario
- their first line in that scene's transcript -> first_mes; their first line in each later scene
  (up to 3) -> alternate_greetings
- provenance (movie, script2rp version, model, prompt version, a rights notice) -> creator_notes
- tags: roleplay, the movie title, script2rp; creator: script2rp; character_version: prompt version
- system_prompt, post_history_instructions: "" (the front end's defaults apply); extensions: {}

Specs: https://github.com/malfoyslastname/character-card-spec-v2 and
https://github.com/kwaroran/character-card-spec-v3. Every string field is present (`""`, never null),
arrays are present (`[]`), `extensions` is `{}`; V3 adds the required `group_only_greetings` and keeps
every V2 field, as SillyTavern writes it. Optional V3 fields without a value (assets, nickname,
creation dates) are left out, so the same build gives byte-identical cards.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import yaml

from script2rp.cinematika import name_key, paragraphs, split_scene
from script2rp.model import slug

V2_STRING_FIELDS = ("name", "description", "personality", "scenario", "first_mes", "mes_example", "creator_notes",
                    "system_prompt", "post_history_instructions", "creator", "character_version")
V2_FIELDS = V2_STRING_FIELDS[:8] + ("alternate_greetings", "tags") + V2_STRING_FIELDS[8:] + ("extensions",)


def mes_example(example_dialogue: str, name: str) -> str:
    if not example_dialogue.strip():
        return ""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", example_dialogue.strip()) if b.strip()]
    own = re.compile(rf"^{re.escape(name)}\s*:", re.IGNORECASE | re.MULTILINE)
    return "\n".join("<START>\n" + own.sub("{{char}}:", block) for block in blocks)


def personality(characteristics) -> str:
    if isinstance(characteristics, dict):
        return "\n".join(f"{k}: {' '.join(str(v).split())}" for k, v in characteristics.items())
    if isinstance(characteristics, list):
        return ", ".join(map(str, characteristics))
    return str(characteristics or "")


def _speech(text: str, name: str) -> str:
    """`Owen: "Hi." He grins.` -> `"Hi." He grins.`"""
    return re.sub(rf"^\**{re.escape(name)}\**\s*:\s*", "", text, flags=re.IGNORECASE)


def card_v2(card_row: dict, scenes: list[dict]) -> dict:
    """A V2 card from a `character_cards` row and the movie's `scene_by_scene` rows."""
    data = yaml.safe_load(card_row["character_cards"]) or {}
    name = str(data.get("name") or card_row["character"])
    appearances = []  # (scenario, first line) for each scene the character speaks in, in order
    for scene in sorted(scenes, key=lambda r: r.get("scene_index") or 0):
        parts = split_scene(scene["scene_by_scene"])
        lines = [text for who, text in paragraphs(parts.transcript) if who and name_key(who) == name_key(name)]
        in_block = any(name_key(c.name) == name_key(name) for c in parts.cards)
        if lines or in_block:
            appearances.append((parts.scenario, _speech(lines[0], name) if lines else ""))
    scenario = appearances[0][0] if appearances else ""
    greetings = [line for _, line in appearances if line]
    model = card_row.get("model") or "no model"
    notes = (f"From the screenplay \"{card_row['movie']}\" by script2rp {card_row.get('script2rp_version') or ''}"
             f" (model: {model}; prompt: {card_row.get('prompt_version') or 'n/a'}; card id: {card_row['id']}). "
             "The screenplay and its characters belong to their authors; this card only summarises them.")
    return {
        "spec": "chara_card_v2",
        "spec_version": "2.0",
        "data": {
            "name": name,
            "description": str(data.get("description") or "").strip(),
            "personality": personality(data.get("characteristics")),
            "scenario": scenario,
            "first_mes": greetings[0] if greetings else "",
            "mes_example": mes_example(str(data.get("example_dialogue") or ""), name),
            "creator_notes": notes,
            "system_prompt": "",
            "post_history_instructions": "",
            "alternate_greetings": greetings[1:4],
            "tags": ["roleplay", card_row["movie"], "script2rp"],
            "creator": "script2rp",
            "character_version": card_row.get("prompt_version") or "",
            "extensions": {},
        },
    }


def card_v3(v2: dict) -> dict:
    """The V3 card: every V2 field kept, plus the required `group_only_greetings`."""
    data = dict(v2["data"])
    data["group_only_greetings"] = []
    return {"spec": "chara_card_v3", "spec_version": "3.0", "data": data}


def cards(card_rows: Iterable[dict], scene_rows: Iterable[dict]) -> list[tuple[str, dict]]:
    """(file stem, V2 card) per main character, in id order."""
    by_movie: dict[str, list[dict]] = {}
    for row in scene_rows:
        by_movie.setdefault(row["id"].split("/")[0], []).append(row)
    out = []
    for row in sorted(card_rows, key=lambda r: r["id"]):
        movie_id = row["id"].split("/")[0]
        stem = f"{movie_id}--{slug(row['character']) or 'character'}"
        out.append((stem, card_v2(row, by_movie.get(movie_id, []))))
    return out


def check_v2(card: dict) -> list[str]:
    """Problems against the V2 spec (empty when it conforms)."""
    problems = []
    if card.get("spec") != "chara_card_v2" or card.get("spec_version") != "2.0":
        problems.append("spec/spec_version")
    data = card.get("data", {})
    for key in V2_STRING_FIELDS:
        if not isinstance(data.get(key), str):
            problems.append(f"data.{key} is not a string")
    for key in ("alternate_greetings", "tags"):
        if not isinstance(data.get(key), list) or not all(isinstance(x, str) for x in data[key]):
            problems.append(f"data.{key} is not a list of strings")
    if not isinstance(data.get("extensions"), dict):
        problems.append("data.extensions is not an object")
    return problems


def check_v3(card: dict) -> list[str]:
    problems = [p for p in check_v2({**card, "spec": "chara_card_v2", "spec_version": "2.0"})]
    if card.get("spec") != "chara_card_v3" or card.get("spec_version") != "3.0":
        problems.append("spec/spec_version")
    greetings = card.get("data", {}).get("group_only_greetings")
    if not isinstance(greetings, list):
        problems.append("data.group_only_greetings is missing")
    return problems
