"""Screenplay text -> tagged lines -> `Screenplay` (scenes, dialogue blocks, cast).

`parse_file` is the one entry point most callers need; the pieces are importable for
callers that already hold a `TextForm` or tagged lines.
"""

from __future__ import annotations

import os

from script2rp.errors import ScreenplayError
from script2rp.model import Screenplay, TaggedLine, TextForm
from script2rp.parse.tagger import form_tags, paused_gc, read_lines, tag, tag_lines

__all__ = ["parse_file", "parse_form", "tag", "tag_lines", "form_tags", "tag_file"]

NOT_A_SCREENPLAY = "does not look like a screenplay (no character cues with dialogue found)"


def tag_file(path: str | os.PathLike, *, check: bool = False) -> tuple[TextForm, list[TaggedLine]]:
    """Load and tag one file; with `check`, refuse text that is not a screenplay."""
    from script2rp.ingest import load

    form = load(path)
    tagged = tag(form)
    if check:
        from script2rp.parse.structure import is_screenplay

        if not is_screenplay(tagged):
            raise ScreenplayError(form.source, NOT_A_SCREENPLAY)
    return form, tagged


def parse_form(
    form: TextForm,
    *,
    min_scene_lines: int | None = None,
    main_threshold: int = 15,
    check: bool = True,
) -> Screenplay:
    """Build the structured screenplay; with `check`, refuse text that is not a screenplay."""
    from script2rp.parse.structure import _kind_codes, build_from_kinds, codes_look_like_screenplay

    with paused_gc():
        # (the tagger's reading of the lines when it tagged them: no margin marks in the text)
        kinds, texts, spacers = (
            (form.tags, form.lines, []) if form.tags is not None else read_lines(form.lines, form.hints)
        )
        n = min(len(kinds), len(texts))
        kinds, texts = kinds[:n], texts[:n]
        codes = _kind_codes(kinds)
        if spacers:  # a double-spaced script's lone blank lines: skipped like page furniture
            chars = list(codes)
            for i in spacers:
                chars[i] = "M"
            codes = "".join(chars)
        if check and not codes_look_like_screenplay(codes, texts):
            raise ScreenplayError(form.source, NOT_A_SCREENPLAY)
        kwargs = {} if min_scene_lines is None else {"min_scene_lines": min_scene_lines}
        return build_from_kinds(form, kinds, texts, main_threshold=main_threshold, codes=codes, **kwargs)


def parse_file(path: str | os.PathLike, **kwargs) -> Screenplay:
    from script2rp.ingest import load

    return parse_form(load(path), **kwargs)
