"""`scene_enhancement`: one screenplay scene -> a novel-style roleplay transcript.

A scene longer than `max_scene_chars` of screenplay text is cut on element boundaries; each part
carries the last elements of the part before as read-only context, and the parts' transcripts
are joined back in order. Each part is validated on its own, so a re-ask costs one part.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from script2rp.cinematika import name_key, turns
from script2rp.model import Dialogue, Element, Movie, Scene
from script2rp.tasks import structured
from script2rp.tasks.checks import coverage, debris, prose_problem
from script2rp.tasks.instructions import instructions
from script2rp.tasks.screenplay import cast_sheet, scene_pairs, screenplay_text, shape_words
from script2rp.tasks.shapes import Shape
from script2rp.tasks.stage import PAIR_COLUMNS, SCENE_COLUMNS, Config, Context, Failure, Invalid, Job, Results, Stage


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


def known_speakers(movie: Movie) -> set[str]:
    """Any character of the script may speak (an NPC from another scene can be mentioned by name)."""
    known = {name_key(movie.name(c.name)) for c in movie.screenplay.characters}
    return known | {name_key(c.name) for c in movie.screenplay.characters}


class SceneEnhancement(Stage):
    name = "scene_enhancement"
    prompt = "scene_enhancement"
    row_prompts = ("instructions",)
    config = Config(name, SCENE_COLUMNS + PAIR_COLUMNS, "screenplay scene with an instruction (input) -> "
                    "novel-style RP transcript (output)")

    def jobs(self, movie: Movie, results: Results, ctx: Context) -> Iterator[Job]:
        """Structured: the model writes only the narration around the script's own lines (see
        `structured.transcript_schema`)."""
        prompt = ctx.prompt(self.name)
        known = known_speakers(movie)
        cast = cast_sheet(movie)
        for scene in movie.screenplay.scenes:
            parts = split_scene(scene, ctx.max_scene_chars)
            for n, part in enumerate(parts):
                dialogues = [e for e in part.body if isinstance(e, Dialogue)]
                speakers = list(dict.fromkeys(movie.name(d.speaker) for d in dialogues)) or ["(no dialogue)"]
                context = ""
                if part.context:
                    context = ("\nThe scene so far (already written; do not repeat it):\n"
                               + screenplay_text(None, part.context) + "\n")
                text = prompt.fill(movie=movie.title, cast=cast, speakers=", ".join(speakers), context=context,
                                   scene=screenplay_text(scene.heading if n == 0 else None, part.body),
                                   **shape_words(ctx.shape))
                lines = [(movie.name(d.speaker), " ".join(d.text.split())) for d in dialogues]
                key = movie.scene_id(scene)
                yield Job(
                    id=f"{key}/part-{n}", key=key, stage=self.name, movie=movie.id, item=f"scene {scene.index}",
                    part=f" part {n + 1}/{len(parts)}" if len(parts) > 1 else "",
                    prompt=prompt, text=text,
                    check=lambda answer, d=dialogues: check(
                        structured.transcript_text(answer) if ctx.structured else answer, d, known, ctx.min_coverage),
                    json_schema=structured.transcript_schema(lines, ctx.shape) if ctx.structured else None,
                    max_tokens=budget(lines, len(part.body), ctx.shape, prompt.max_tokens),
                )

    def collect(self, movie: Movie, key: str, values: list[str]) -> str:
        return "\n\n".join(values)

    def rows(self, movie: Movie, results: Results, ctx: Context) -> Iterator[dict | Failure]:
        return scene_pairs(movie, results[self.name], instructions(ctx, self.name))


def budget(lines: list[tuple[str, str]], elements: int, shape: Shape, floor: int) -> int:
    """Tokens for a transcript of these lines: the fixed words, and narration of the shape's size
    around each element, at about 3.5 characters a token, with a fifth to spare. A bounded shape's
    grammar caps every string, so it gets room for the longest answer the grammar allows (a small
    model's filler is digits and initials, near a token a character): cutting an answer the
    grammar would have ended only wastes it."""
    fixed = sum(len(name) + len(says) + 40 for name, says in lines)
    if shape.bounded:
        return max(floor, fixed // 2 + 5 * (len(lines) + 3) * shape.narration_chars // 4 + 32)
    return max(floor, int(1.2 * (fixed + (elements + 1) * 2 * shape.narration_chars // 3) / 3.5) + 32)


def check(answer: str, dialogues: list[Dialogue], known: set[str], min_coverage: float) -> str:
    transcript = answer.strip()
    if not transcript:
        raise Invalid("empty answer")
    found = debris(transcript)
    if found:
        raise Invalid(f"screenplay notation left in: {found!r}")
    problem = prose_problem(transcript)
    if problem:
        raise Invalid(problem)
    spoken = [name for name, _ in turns(transcript) if name]
    if dialogues and not spoken:
        raise Invalid("no speaker turns (`Name: ...`)")
    unknown = sorted({s for s in spoken if name_key(s) not in known})
    if unknown:
        raise Invalid(f"unknown speaker: {', '.join(unknown[:3])}")
    cover = coverage(dialogues, transcript)
    if cover < min_coverage:
        raise Invalid(f"dialogue coverage {cover:.2f} < {min_coverage}")
    return transcript
