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
from script2rp.cinematika import USER, dump_card
from script2rp.model import Action, Dialogue, Movie
from script2rp.tasks.stage import CHARACTER_COLUMNS, TEXT, Config, Context, Failure, Invalid, Job, Results, Stage

MIN_TRAITS, MAX_TRAITS = 5, 12

_TRAIT_CHARS, _DESCRIPTION_CHARS, _LINE_CHARS = 100, 200, 100  # see structured.py on lengths
TRAITS = (MIN_TRAITS, 8)  # what the schema asks for: 5-8 of the 5-12 the card may have
EXCHANGES = (2, 3)  # example_dialogue: {{user}} line + character line, this many times
TRAIT_PATTERN = r"^[A-Z][A-Za-z'-]{1,20}( [A-Za-z'-]{1,20}){0,3}$"
# JSON Schema cannot forbid two pairs with one trait name; decoding can (SamplingParams.distinct).
DISTINCT = ("trait",)


def json_schema(name: str) -> dict:
    """The card as JSON, for backends that constrain decoding to a schema.

    Shaped so that what the grammar allows is what `check_card` accepts, using only keywords every
    constrained decoder we target handles (llama.cpp grammars, vLLM's xgrammar; not
    `propertyNames`): the name is fixed; the traits are a list of 5-8 `{trait, text}` pairs with
    capitalised trait names of one to four words; the example dialogue is a list of exchanges, each a
    `{{user}}` line and one of the character's. `check_card` turns both lists back into the
    cinematika mapping and block text. Length caps keep a small model from writing one string until
    `max_tokens` runs out."""
    line = {"type": "string", "minLength": 2, "maxLength": _LINE_CHARS}
    return {
        "type": "object",
        "properties": {
            "name": {"const": name},
            "characteristics": {
                "type": "array",
                "minItems": TRAITS[0],
                "maxItems": TRAITS[1],
                "items": {
                    "type": "object",
                    "properties": {
                        "trait": {"type": "string", "pattern": TRAIT_PATTERN},
                        "text": {"type": "string", "minLength": 3, "maxLength": _TRAIT_CHARS},
                    },
                    "required": ["trait", "text"],
                    "additionalProperties": False,
                },
            },
            "description": {"type": "string", "minLength": 20, "maxLength": _DESCRIPTION_CHARS},
            "example_dialogue": {
                "type": "array",
                "minItems": EXCHANGES[0],
                "maxItems": EXCHANGES[1],
                "items": {
                    "type": "object",
                    "properties": {USER: line, name: line},
                    "required": [USER, name],
                    "additionalProperties": False,
                },
            },
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


def parse_card(answer: str, name: str | None = None) -> dict:
    """The card as a dict with exactly the cinematika keys, or CardError."""
    text = repair(answer)
    try:
        if text.startswith("{"):  # JSON from constrained decoding; raw control characters allowed
            try:
                return check_card(json.loads(text, strict=False), name)
            except json.JSONDecodeError:
                pass  # JSON-like YAML (flow style): let YAML read it
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CardError(f"not YAML: {str(exc).splitlines()[0]}") from exc
    return check_card(data, name)


def check_card(data: object, name: str | None = None) -> dict:
    if not isinstance(data, dict):
        raise CardError(f"not a mapping but {type(data).__name__}")
    missing = [k for k in KEYS if k not in data]
    extra = [str(k) for k in data if k not in KEYS]
    if missing:
        raise CardError(f"missing keys: {', '.join(missing)}")
    if extra:
        raise CardError(f"unexpected keys: {', '.join(extra)}")
    traits = data["characteristics"]
    if isinstance(traits, list) and all(isinstance(t, dict) and set(t) == {"trait", "text"} for t in traits):
        pairs, traits = traits, {}  # from `json_schema`; a repeated name keeps its first text
        for pair in pairs:
            traits.setdefault(str(pair["trait"]).strip(), pair["text"])
    elif isinstance(traits, list) and all(isinstance(t, dict) and len(t) == 1 for t in traits):
        traits = {k: v for t in traits for k, v in t.items()}  # "- Trait: text" lists
    if not isinstance(traits, dict):
        raise CardError("characteristics is not a mapping of trait -> text")
    if not MIN_TRAITS <= len(traits) <= MAX_TRAITS:
        raise CardError(f"{len(traits)} characteristics, want {MIN_TRAITS}-{MAX_TRAITS}")
    for trait, text in traits.items():
        if not str(trait).strip():
            raise CardError("a characteristic has no name")
        if not isinstance(text, str) or not text.strip():
            raise CardError(f"characteristic {trait!r} has no text")
    dialogue = data["example_dialogue"]
    if isinstance(dialogue, list):  # exchanges, from `json_schema`
        if not all(isinstance(turn, dict) for turn in dialogue):
            raise CardError("example_dialogue is a list but not of {speaker: line} exchanges")
        data = {**data, "example_dialogue": "\n".join(
            f"{speaker}: {' '.join(str(line).split())}" for turn in dialogue for speaker, line in turn.items()
        )}
    for key in ("name", "description", "example_dialogue"):
        if not isinstance(data[key], str) or not data[key].strip():
            raise CardError(f"{key} is empty or not text")
    card_name = data["name"].strip()
    if name and card_name.upper() != name.upper():
        raise CardError(f"card is for {card_name!r}, not {name!r}")
    if "{{user}}:" not in data["example_dialogue"]:
        raise CardError("example_dialogue has no {{user}}: turn")
    if f"{card_name}:".upper() not in data["example_dialogue"].upper():
        raise CardError(f"example_dialogue has no {card_name}: turn")
    return {
        "name": card_name,
        "characteristics": {str(k).strip(): " ".join(v.split()) for k, v in traits.items()},
        "description": data["description"].strip(),
        "example_dialogue": data["example_dialogue"].strip(),
    }


class CharacterCard(Stage):
    name = "character_card"
    prompt = "character_card"
    config = Config("character_cards", CHARACTER_COLUMNS + [("character_cards", TEXT)],
                    "YAML character card per main character (name, characteristics, description, example_dialogue)")

    def jobs(self, movie: Movie, results: Results, ctx: Context) -> Iterator[Job]:
        """Structured: ask for the JSON of `json_schema` (for constrained decoding) instead of YAML."""
        prompt = ctx.prompt(self.name)
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
                text=prompt.fill(movie=movie.title, name=name, dialogue="\n".join(said), actions="\n".join(done)),
                check=lambda answer, name=name: check(answer, name),
                json_schema=json_schema(name) if ctx.structured else None,
                distinct=DISTINCT if ctx.structured else (),
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


def check(answer: str, name: str) -> dict:
    try:
        return parse_card(answer, name)
    except CardError as exc:
        raise Invalid(f"card: {exc}") from None
