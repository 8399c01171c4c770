"""Recorded answers: write every answer of a build to JSONL, and answer a later build from it.

This makes a build reproducible without a GPU or a server (and gives tests deterministic answers).
One JSON object per line:

    {"prompt": "...", "params": {...}, "texts": ["..."], "finish_reasons": ["stop"],
     "prompt_tokens": 12, "completion_tokens": 5}

`messages` replaces `prompt` for chat requests. A line with `params` answers only requests with
exactly those sampling parameters; a hand-written line may leave `params` out to answer the prompt
whatever the parameters, and may give `"text": "..."` instead of `texts`/`finish_reasons`.
A hand-written line may also give `"tag"` instead of a prompt: it answers the request whose caller
tag (the builder's stable job id) is that, whatever the prompt says, so that fixtures of good
answers survive edits to the prompt wording. Prompt matches win over tag matches.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from ..errors import OptionError
from .backend import Backend, BackendConfig, Capabilities, Outcome
from .cache import canonical_json, params_dict
from .types import Request, Result


def _content_key(prompt: str | None, messages: list[dict] | None) -> str:
    return canonical_json({"prompt": prompt, "messages": messages})


class ReplayBackend(Backend):
    name = "replay"
    # It answers whatever was recorded, structured answers included, from any thread.
    capabilities = Capabilities(json_schema=True, concurrent=True)

    @classmethod
    def check(cls, config: BackendConfig) -> None:
        if not config.replay:
            raise OptionError("--backend replay needs --replay FILE.jsonl")

    @classmethod
    def open(cls, config: BackendConfig) -> ReplayBackend:
        cls.check(config)
        return cls(config.replay, config.model)

    def __init__(self, replay_path: str | os.PathLike, model: str | None = None):
        self.path = Path(replay_path)
        self.model = model or ""
        if not self.path.is_file():
            raise OptionError(f"--replay {self.path}: no such file")
        self._exact: dict[tuple[str, str], Result] = {}
        self._any_params: dict[str, Result] = {}
        self._by_tag: dict[str, Result] = {}
        with self.path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    self._add(json.loads(line))
                except (ValueError, KeyError, TypeError) as exc:
                    raise OptionError(f"{self.path}:{number}: not a replay record ({exc})") from exc

    def _add(self, record: dict) -> None:
        texts = record["texts"] if "texts" in record else [record["text"]]
        result = Result(
            texts=list(texts),
            finish_reasons=list(record.get("finish_reasons", ["stop"] * len(texts))),
            prompt_tokens=int(record.get("prompt_tokens", 0)),
            completion_tokens=int(record.get("completion_tokens", 0)),
        )
        if "tag" in record and "prompt" not in record and "messages" not in record:
            self._by_tag[record["tag"]] = result
            return
        content = _content_key(record.get("prompt"), record.get("messages"))
        if "params" in record:  # later lines win, so a re-recorded answer replaces the old one
            self._exact[content, canonical_json(record["params"])] = result
        else:
            self._any_params[content] = result

    def stream(self, requests: Sequence[Request], label: str = "") -> Iterator[list[Outcome]]:
        yield [self._answer(index, request) for index, request in enumerate(requests)]

    def _answer(self, index: int, request: Request) -> Outcome:
        content = _content_key(request.prompt, request.messages)
        found = self._exact.get((content, canonical_json(params_dict(request.params))))
        if found is None:
            found = self._any_params.get(content)
        if found is None and request.tag:
            found = self._by_tag.get(request.tag)
        if found is None:
            return Outcome(index, Result.failed(f"no recorded answer in {self.path}"))
        copy = replace(found, texts=list(found.texts), finish_reasons=list(found.finish_reasons))
        return Outcome(index, copy)

    def close(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"ReplayBackend({str(self.path)!r})"


class Recorder:
    """Appends each answer as one replay line, flushed at once: a crash keeps what was recorded."""

    def __init__(self, path: str | os.PathLike):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._file = open(path, "a", encoding="utf-8")

    def write(self, request: Request, result: Result) -> None:
        if request.messages is not None:
            record: dict = {"messages": request.messages}
        else:
            record = {"prompt": request.prompt}
        record.update(
            params=params_dict(request.params),
            texts=result.texts,
            finish_reasons=result.finish_reasons,
            prompt_tokens=result.prompt_tokens,
            completion_tokens=result.completion_tokens,
        )
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()
