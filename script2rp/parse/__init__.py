"""Screenplay text -> tagged lines -> `Screenplay` (scenes, dialogue blocks, cast).

`parse_file` is the one entry point most callers need; the pieces are importable for
callers that already hold a `TextForm` or tagged lines.
"""

from __future__ import annotations

import os

from script2rp.errors import ScreenplayError
from script2rp.model import Screenplay, TaggedLine, TextForm
from script2rp.parse.tagger import tag, tag_lines

__all__ = ["parse_file", "parse_form", "tag", "tag_lines", "tag_file"]


def tag_file(path: str | os.PathLike) -> tuple[TextForm, list[TaggedLine]]:
    from script2rp.ingest import load

    form = load(path)
    return form, tag(form)


def parse_form(
    form: TextForm,
    *,
    min_scene_lines: int | None = None,
    main_threshold: int = 15,
    check: bool = True,
) -> Screenplay:
    """Build the structured screenplay; with `check`, refuse text that is not a screenplay."""
    from script2rp.parse.structure import build_screenplay, is_screenplay

    tagged = tag(form)
    if check and not is_screenplay(tagged):
        raise ScreenplayError(
            form.source, "does not look like a screenplay (no character cues with dialogue found)"
        )
    kwargs = {} if min_scene_lines is None else {"min_scene_lines": min_scene_lines}
    return build_screenplay(form, tagged, main_threshold=main_threshold, **kwargs)


def parse_file(path: str | os.PathLike, **kwargs) -> Screenplay:
    from script2rp.ingest import load

    return parse_form(load(path), **kwargs)
