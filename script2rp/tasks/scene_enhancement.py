"""`scene_enhancement`: one screenplay scene -> a novel-style roleplay transcript.

A scene longer than `max_chars` of screenplay text is cut on element boundaries; each part
carries the last elements of the part before as read-only context, and the parts' transcripts
are joined back in order. Each part is validated on its own, so a re-ask costs one part.
"""

from __future__ import annotations

from dataclasses import dataclass

from script2rp.model import Dialogue, Element, Scene
from script2rp.tasks import structured as shapes
from script2rp.tasks.job import Invalid, Job, Movie
from script2rp.tasks.prompt import stage_prompt
from script2rp.tasks.text import coverage, debris, name_key, screenplay_text, turns

STAGE = "scene_enhancement"


@dataclass
class Part:
    context: list[Element]
    body: list[Element]


def split_scene(scene: Scene, max_chars: int, overlap: int = 2) -> list[Part]:
    parts: list[Part] = []
    body: list[Element] = []
    size = 0
    for el in scene.elements:
        n = len(screenplay_text(None, [el])) + 2
        if body and size + n > max_chars:
            parts.append(Part(context=[], body=body))
            body, size = [], 0
        body.append(el)
        size += n
    if body or not parts:
        parts.append(Part(context=[], body=body))
    for before, part in zip(parts, parts[1:]):
        part.context = before.body[-overlap:] if overlap else []
    return parts


def scene_id(movie: Movie, scene: Scene) -> str:
    return f"{movie.id}/scene-{scene.index:04d}"


def jobs(movie: Movie, scene: Scene, *, max_chars: int, min_coverage: float, structured: bool = False) -> list[Job]:
    """`structured`: the model writes only the narration around the script's own lines (see
    `structured.transcript_schema`)."""
    prompt = stage_prompt(STAGE, structured)
    # Any character of the script may speak (an NPC from another scene can be mentioned by name).
    known = {name_key(movie.name(c.name)) for c in movie.screenplay.characters}
    known |= {name_key(c.name) for c in movie.screenplay.characters}
    parts = split_scene(scene, max_chars)
    out = []
    for n, part in enumerate(parts):
        dialogues = [e for e in part.body if isinstance(e, Dialogue)]
        speakers = list(dict.fromkeys(movie.name(d.speaker) for d in dialogues)) or ["(no dialogue)"]
        context = ""
        if part.context:
            context = (
                "\nThe scene so far (already written; do not repeat it):\n"
                + screenplay_text(None, part.context) + "\n"
            )
        heading = scene.heading if n == 0 else None
        text = prompt.fill(
            movie=movie.title, speakers=", ".join(speakers), context=context,
            scene=screenplay_text(heading, part.body),
        )
        out.append(Job(
            id=f"{scene_id(movie, scene)}/part-{n}", stage=STAGE, movie=movie.id,
            item=f"scene {scene.index}" + (f" part {n + 1}/{len(parts)}" if len(parts) > 1 else ""),
            prompt=prompt, text=text,
            check=lambda answer, d=dialogues: check(
                shapes.transcript_text(answer) if structured else answer, d, known, min_coverage),
            json_schema=shapes.transcript_schema(
                [(movie.name(d.speaker), " ".join(d.text.split())) for d in dialogues]) if structured else None,
        ))
    return out


def check(answer: str, dialogues: list[Dialogue], known: set[str], min_coverage: float) -> str:
    transcript = answer.strip()
    if not transcript:
        raise Invalid("empty answer")
    found = debris(transcript)
    if found:
        raise Invalid(f"screenplay notation left in: {found!r}")
    spoken = [name for name, _ in turns(transcript) if name]
    if dialogues and not spoken:
        raise Invalid("no `Name: ` turns")
    unknown = sorted({s for s in spoken if name_key(s) not in known})
    if unknown:
        raise Invalid(f"unknown speaker: {', '.join(unknown[:3])}")
    cover = coverage(dialogues, transcript)
    if cover < min_coverage:
        raise Invalid(f"dialogue coverage {cover:.2f} < {min_coverage}")
    return transcript
