"""`character_card_reverse_prompt`: a validated card -> the request that would produce it.
Its answers also give `prompt_to_character_card`, the same pair the other way round."""

from __future__ import annotations

from script2rp.tasks import structured as shapes
from script2rp.tasks.job import Invalid, Job
from script2rp.tasks.prompt import stage_prompt

STAGE = "character_card_reverse_prompt"


def request_schema(name: str) -> dict:
    """One paragraph that names the character (its first name, as `check` wants)."""
    first = name.split()[0]
    text = r'[^"\\\n\r\t]'
    return {
        "type": "object",
        "properties": {"request": {"type": "string", "pattern": f"^{text}{{10,100}}{first}{text}{{10,100}}$"}},
        "required": ["request"],
        "additionalProperties": False,
    }


def jobs(row_id: str, movie_id: str, name: str, card_yaml: str, structured: bool = False) -> list[Job]:
    prompt = stage_prompt(STAGE, structured)
    return [Job(
        id=row_id, stage=STAGE, movie=movie_id, item=name, prompt=prompt,
        text=prompt.fill(card=card_yaml),
        check=lambda answer: check(shapes.load(answer).get("request", "") if structured else answer, name),
        json_schema=request_schema(name) if structured else None,
    )]


def check(answer: str, name: str) -> str:
    request = answer.strip().removeprefix("Request:").strip()
    if len(request.split()) < 8:
        raise Invalid("request too short")
    if "name:" in request and "characteristics:" in request:
        raise Invalid("answer repeats the card")
    first = name.split()[0].lower()
    if first not in request.lower():
        raise Invalid(f"request does not name {name}")
    return request
