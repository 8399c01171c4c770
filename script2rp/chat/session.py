"""The conversation of `script2rp chat`: the cinematika prompt, kept within the model's context
(the oldest turns go first; the cards and the scenario always stay), and the requests for replies."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from script2rp.cinematika import characters_block, scenario_block
from script2rp.llm import Engine, Request, SamplingParams

_CONTEXT_ERRORS = ("maximum context length", "longer than the maximum model length", "context length",
                   "too long", "exceeds")


class ReplyError(Exception):
    """The model gave no usable reply; the session goes on."""


@dataclass
class Session:
    cards: list[str]
    user: str
    as_name: str
    scenario: str = ""
    npcs: list[str] = field(default_factory=list)
    history: list[str] = field(default_factory=list)  # turns (paragraph groups), oldest first
    dropped: int = 0  # turns trimmed from the front so far

    def header(self) -> str:
        return characters_block(self.cards, self.npcs) + scenario_block(self.scenario)

    def prompt(self) -> str:
        turns = self.history + [f"{self.as_name}:"]
        return self.header() + "\n\n".join(turns)

    @property
    def stop(self) -> tuple[str, ...]:
        return (f"\n{self.user}: ", f"{self.user}: ")

    def transcript(self) -> str:
        return self.header() + "\n\n".join(self.history) + "\n"


def clean_reply(as_name: str, text: str, user: str) -> str:
    """The model's continuation as a turn: `AS: ...`, cut where the user's turn would begin."""
    text = text.strip()
    for stop in (f"\n{user}:", f"{user}:"):
        if stop in text:
            text = text[: text.index(stop)].rstrip()
    return f"{as_name}: {text}" if text else f"{as_name}: ..."


def save(session: Session, path: Path) -> None:
    """The session as text, or as JSON when the file name ends in .json."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        data = {"user": session.user, "as": session.as_name, "scenario": session.scenario, "npcs": session.npcs,
                "cards": session.cards, "turns": session.history, "trimmed_turns": session.dropped}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    else:
        path.write_text(session.transcript(), encoding="utf-8")


class Talker:
    """Sends the prompt, keeps it within the context, and measures characters per token where the
    backend has no tokenizer in this process."""

    def __init__(self, engine: Engine, context: int, max_tokens: int, temperature: float, seed: int, top_p: float):
        self.engine, self.context, self.max_tokens = engine, context, max_tokens
        self.temperature, self.seed, self.top_p = temperature, seed, top_p
        self.tokenizer = engine.backend.tokenizer()
        self.chars_per_token = 2.5  # conservative until the first answer tells us better
        self.calls = 0

    def count(self, text: str) -> int:
        if self.tokenizer is not None:
            return len(self.tokenizer.encode(text))
        return int(len(text) / self.chars_per_token) + 1

    def fit(self, session: Session) -> None:
        budget = self.context - self.max_tokens
        while len(session.history) > 1 and self.count(session.prompt()) > budget:
            session.history.pop(0)
            session.dropped += 1
        if self.count(session.prompt()) > budget:
            raise ReplyError(f"the cards and scenario alone do not fit in a {self.context}-token context with "
                             f"{self.max_tokens} tokens for the reply: use a larger --context or smaller --max-tokens")

    def reply(self, session: Session) -> str:
        for _ in range(8):
            self.fit(session)
            prompt = session.prompt()
            params = SamplingParams(max_tokens=self.max_tokens, temperature=self.temperature, top_p=self.top_p,
                                    stop=session.stop, seed=self.seed + self.calls)
            self.calls += 1
            [result] = self.engine.generate([Request(prompt=prompt, params=params, tag="chat")])
            if result.ok:
                if result.prompt_tokens and self.tokenizer is None:
                    self.chars_per_token = max(1.0, 0.9 * len(prompt) / result.prompt_tokens)
                return clean_reply(session.as_name, result.text, session.user)
            error = result.error or ""
            if any(s in error.lower() for s in _CONTEXT_ERRORS) and len(session.history) > 1:
                self.chars_per_token = max(1.0, self.chars_per_token * 0.7)  # the guess was too generous
                continue
            raise ReplyError(f"the model failed: {' '.join(error.split())[:300]}")
        raise ReplyError("could not fit the conversation in the model's context")
