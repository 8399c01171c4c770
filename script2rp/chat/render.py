"""Turns for a terminal: each `Name: ...` paragraph with the name (and quoted speech) coloured,
narration dimmed."""

from __future__ import annotations

import re

from script2rp.cinematika import match_turn

_RESET, _BOLD, _DIM = "\033[0m", "\033[1m", "\033[2m"
_PALETTE = ("\033[36m", "\033[33m", "\033[35m", "\033[32m", "\033[34m", "\033[31m")
_QUOTE = "\033[97m"
_SPEECH = re.compile(r'("[^"]*"|“[^”]*”)')


def render(turn: str, color: bool, palette: dict[str, str]) -> str:
    """`palette`: speaker -> colour, filled as new speakers appear (one per session)."""
    if not color:
        return turn
    lines = []
    for para in turn.split("\n"):
        found = match_turn(para) if para.strip() else None
        if not para.strip():
            lines.append("")
        elif found:
            name, rest = found
            hue = palette.setdefault(name, _PALETTE[len(palette) % len(_PALETTE)])
            rest = _SPEECH.sub(lambda q: f"{_QUOTE}{q.group(1)}{_RESET}", rest)
            lines.append(f"{_BOLD}{hue}{name}{_RESET}: {rest}")
        else:
            lines.append(f"{_DIM}{_SPEECH.sub(lambda q: _RESET + _QUOTE + q.group(1) + _RESET + _DIM, para)}{_RESET}")
    return "\n".join(lines)
