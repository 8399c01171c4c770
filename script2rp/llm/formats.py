"""Prompt formats, chosen per model, so stages write an instruction once and any model can take it.

`mistrallite` is the cinematika-7b instruction format, `chat` hands messages to the server or the
model's own chat template, `raw` is plain text completion (the roleplay continuation mode). A
system text goes first in every format: stages put their shared instructions there so that the
backend's prefix cache can reuse it across requests.
"""

from __future__ import annotations

from .types import Request, SamplingParams

FORMATS = ("mistrallite", "chat", "raw")


def to_request(
    fmt: str,
    instruction_or_text: str,
    params: SamplingParams,
    system: str | None = None,
    *,
    tag: str = "",
) -> Request:
    """Wrap an instruction (or, for `raw`, the text to continue) in the model's prompt format."""
    if fmt == "chat":
        messages = [{"role": "system", "content": system}] if system else []
        messages.append({"role": "user", "content": instruction_or_text})
        return Request(messages=messages, params=params, tag=tag)
    body = f"{system}\n\n{instruction_or_text}" if system else instruction_or_text
    if fmt == "mistrallite":
        return Request(prompt=f"<|prompter|>{body}</s><|assistant|>", params=params, tag=tag)
    if fmt == "raw":
        return Request(prompt=body, params=params, tag=tag)
    raise ValueError(f"unknown prompt format {fmt!r}; choose one of {', '.join(FORMATS)}")
