"""`character_card`: what a main character says and does across the whole script -> a YAML card.

The prompt gets the character's speeches (and action lines that name them) in script order, cut
to `max_chars` by keeping an even spread over the script rather than only its opening.
"""

from __future__ import annotations

import re

from script2rp.model import Action, Character, Dialogue
from script2rp.tasks import cards
from script2rp.tasks.job import Invalid, Job, Movie
from script2rp.tasks.prompt import stage_prompt

STAGE = "character_card"


def card_id(movie: Movie, character: Character) -> str:
    return f"{movie.id}/character-{re.sub(r'[^a-z0-9]+', '-', character.name.lower()).strip('-')}"


def _spread(items: list[str], budget: int) -> list[str]:
    """Items evenly spread over the list whose total length fits `budget`."""
    total = sum(len(i) + 1 for i in items)
    if total <= budget:
        return items
    step = total / budget
    return [item for n, item in enumerate(items) if int(n / step) != int((n - 1) / step) or n == 0]


def jobs(movie: Movie, character: Character, *, max_chars: int, structured: bool = False) -> list[Job]:
    """`structured`: ask for the JSON of `cards.json_schema` (for constrained decoding) instead of YAML."""
    prompt = stage_prompt(STAGE, structured)
    name = movie.name(character.name)
    said, done = [], []
    mention = re.compile(rf"\b{re.escape(character.name)}\b", re.IGNORECASE)
    for scene in movie.screenplay.scenes:
        for el in scene.elements:
            if isinstance(el, Dialogue) and el.speaker == character.name:
                said.append(f"- {el.text}")
            elif isinstance(el, Action) and mention.search(el.text):
                done.append(f"- {' '.join(el.text.split())}")
    said = _spread(said, max_chars * 2 // 3)
    done = _spread(done, max_chars // 3) or ["- (no action lines name them)"]
    return [Job(
        id=card_id(movie, character), stage=STAGE, movie=movie.id, item=name,
        prompt=prompt,
        text=prompt.fill(movie=movie.title, name=name, dialogue="\n".join(said), actions="\n".join(done)),
        check=lambda answer: check(answer, name),
        json_schema=cards.json_schema(name) if structured else None,
        distinct=cards.DISTINCT if structured else (),
    )]


def check(answer: str, name: str) -> dict:
    try:
        return cards.parse_card(answer, name)
    except cards.CardError as exc:
        raise Invalid(f"card: {exc}") from None
