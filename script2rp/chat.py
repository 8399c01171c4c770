"""`script2rp chat`: roleplay with a model in the cinematika format, from the terminal.

The prompt is what the model was trained on: a `[characters]` block with the cards (and an `NPCS:`
list), a `[scenario]` block, then the conversation as `Name: ...` paragraphs, ending with the turn of
the character the model plays (`--as`). It is sent as a plain text completion that stops where the
user's character would speak next (`"\\nUSER: "`, `"USER: "`), so the model may voice other
characters and narration in between, as in the training data.

History is kept within the model's context: the oldest turns are dropped first (the cards and the
scenario always stay). Commands: `/quit` (or end of input), `/retry` (ask again for the last reply),
`/save FILE` (the session as text, or as JSON when FILE ends in .json), `/help`.

Backends: `openai` (any OpenAI-compatible server: vLLM's, LM Studio, llama.cpp; `--base-url`) or
`vllm` (a model directory loaded in this process).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

EXIT_OK, EXIT_FAILURES, EXIT_BAD_INPUT = 0, 1, 2
_CONTEXT_ERRORS = ("maximum context length", "longer than the maximum model length", "context length",
                   "too long", "exceeds")


class ChatError(Exception):
    pass


# --- cards ---------------------------------------------------------------------------------------


def load_card(path: Path) -> str:
    """A card file as cinematika card YAML: our YAML card as it is, or a Character Card V2/V3 (JSON,
    or PNG with a `ccv3`/`chara` chunk) mapped back to the same keys."""
    path = Path(path)
    if not path.is_file():
        raise ChatError(f"{path}: no such card file")
    if path.suffix.lower() == ".png":
        from script2rp.export.png import read_card

        data = path.read_bytes()
        card = read_card(data, "ccv3") or read_card(data, "chara")
        if card is None:
            raise ChatError(f"{path}: no character card in this PNG")
        return _from_chara(card)
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ChatError(f"{path}: not a YAML or JSON card ({' '.join(str(exc).split())[:120]})") from exc
    if isinstance(data, dict) and "spec" in data and isinstance(data.get("data"), dict):
        return _from_chara(data)
    if not isinstance(data, dict) or not data.get("name"):
        raise ChatError(f"{path}: a card needs at least a `name:`")
    return text.strip() + "\n"


def _from_chara(card: dict) -> str:
    d = card["data"]
    name = d.get("name") or "Character"
    traits = {}
    for line in (d.get("personality") or "").splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            traits[key.strip()] = value.strip()
    example = re.sub(r"^<START>\s*\n?", "", d.get("mes_example") or "", flags=re.MULTILINE)
    example = example.replace("{{char}}", name).strip()
    data = {"name": name, "characteristics": traits or (d.get("personality") or ""),
            "description": (d.get("description") or "").replace("{{char}}", name)}
    if example:
        data["example_dialogue"] = example + "\n"
    from script2rp.tasks.cards import dump_card

    try:
        return dump_card(data)
    except Exception:
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def card_name(card_yaml: str) -> str:
    return str(yaml.safe_load(card_yaml)["name"])


# --- the session ---------------------------------------------------------------------------------


@dataclass
class Session:
    cards: list[str]
    user: str
    as_name: str
    scenario: str = ""
    npcs: list[str] = field(default_factory=list)
    history: list[str] = field(default_factory=list)  # paragraphs groups, oldest first
    dropped: int = 0  # turns trimmed from the front so far

    def header(self) -> str:
        body = "\n".join(card.rstrip() + "\n" for card in self.cards)
        if self.npcs:
            body += "NPCS:\n" + "".join(f"- {n}\n" for n in self.npcs)
        text = f"[characters]\n{body}[/characters]\n\n"
        if self.scenario:
            text += f"[scenario]\n{self.scenario.strip()}\n[/scenario]\n\n"
        return text

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


# --- colours ---------------------------------------------------------------------------------------

_RESET, _BOLD, _DIM = "\033[0m", "\033[1m", "\033[2m"
_PALETTE = ("\033[36m", "\033[33m", "\033[35m", "\033[32m", "\033[34m", "\033[31m")
_QUOTE = "\033[97m"
_SPEECH = re.compile(r'("[^"]*"|“[^”]*”)')
# A turn starts with a capitalised name (every word): "Out of the murk: a rock" is narration.
_TURN = re.compile(r"^(?P<name>\**[A-Z][\w.'’#-]*(?: [A-Z0-9#][\w.'’#-]*){0,3}\**):\s+(?P<rest>.*)$")


def render(turn: str, color: bool, palette: dict[str, str]) -> str:
    """A turn for the terminal: each `Name: ...` paragraph with the name (and quoted speech) coloured."""
    lines = []
    for para in turn.split("\n"):
        if not para.strip():
            lines.append("")
            continue
        m = _TURN.match(para)
        if not color:
            lines.append(para)
        elif m:
            hue = palette.setdefault(m["name"].strip(), _PALETTE[len(palette) % len(_PALETTE)])
            rest = _SPEECH.sub(lambda q: f"{_QUOTE}{q.group(1)}{_RESET}", m["rest"])
            lines.append(f"{_BOLD}{hue}{m['name']}{_RESET}: {rest}")
        else:
            lines.append(f"{_DIM}{_SPEECH.sub(lambda q: _RESET + _QUOTE + q.group(1) + _RESET + _DIM, para)}{_RESET}")
    return "\n".join(lines)


# --- talking to the model ------------------------------------------------------------------------------


class Talker:
    """Sends the prompt, keeps it within the context, and measures characters per token."""

    def __init__(self, engine, context: int, max_tokens: int, temperature: float, seed: int, top_p: float,
                 tokenizer=None):
        self.engine, self.context, self.max_tokens = engine, context, max_tokens
        self.temperature, self.seed, self.top_p = temperature, seed, top_p
        self.tokenizer = tokenizer
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
            raise ChatError(f"the cards and scenario alone do not fit in a {self.context}-token context with "
                            f"{self.max_tokens} tokens for the reply: use a larger --context or smaller --max-tokens")

    def reply(self, session: Session) -> str:
        from script2rp.llm import Request, SamplingParams

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
            raise ChatError(f"the model failed: {' '.join(error.split())[:300]}")
        raise ChatError("could not fit the conversation in the model's context")


def _context_of(engine, backend: str, base_url: str | None) -> int | None:
    if backend == "llamacpp":
        return int(engine.backend.n_ctx)
    if backend == "vllm":
        try:
            return int(engine.backend._llm.llm_engine.model_config.max_model_len)
        except Exception:
            return None
    try:
        import httpx

        response = httpx.get(base_url.rstrip("/") + "/models", timeout=10)
        for entry in response.json().get("data", []):
            if entry.get("id") == engine.backend.model and entry.get("max_model_len"):
                return int(entry["max_model_len"])
    except Exception:
        return None
    return None


class _LlamaTokenizer:
    """llama.cpp's tokenizer behind the one method the Talker uses."""

    def __init__(self, llm):
        self.llm = llm

    def encode(self, text: str) -> list[int]:
        return self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)


def _tokenizer_of(engine, backend: str):
    if backend == "llamacpp":
        return _LlamaTokenizer(engine.backend._llm)
    if backend != "vllm":
        return None
    try:
        return engine.backend._llm.get_tokenizer()
    except Exception:
        return None


# --- the command ---------------------------------------------------------------------------------------


HELP = "commands: /retry (ask again), /save FILE (.txt or .json), /quit"


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "chat", parents=[common], help="roleplay with a model using character cards (cinematika format)",
        description="Chat in the cinematika roleplay format: the cards in a [characters] block, a [scenario], then "
        "`Name: ` turns. You speak as --user; the model answers as --as (and may voice others). " + HELP + ".",
    )
    p.add_argument("--card", action="append", required=True, type=Path, metavar="CARD",
                   help="character card: our YAML, or a Character Card V2/V3 .json/.png (repeatable)")
    p.add_argument("--scenario", default="", metavar="TEXT|FILE", help="the scene's situation (text or a file)")
    p.add_argument("--npc", action="append", default=[], metavar="NAME", help="a minor character (repeatable)")
    p.add_argument("--user", required=True, metavar="NAME", help="the character you play")
    p.add_argument("--as", dest="as_name", metavar="NAME",
                   help="the character the model answers as (default: the first card that is not --user)")
    p.add_argument("--backend", choices=["openai", "vllm", "llamacpp"], default="openai",
                   help="openai: a server (default); vllm: a model in this process; llamacpp: a GGUF file in "
                   "this process, no GPU needed")
    p.add_argument("--base-url", help="openai: server URL up to /v1, e.g. http://127.0.0.1:8000/v1")
    p.add_argument("--model", help="openai: served model name (default: the only one); vllm: model directory; "
                   "llamacpp: GGUF file (default: the embedded SmolLM2-135M-Instruct)")
    p.add_argument("--engine-opt", action="append", default=[], metavar="KEY=VALUE",
                   help="vllm or llamacpp option, e.g. max_model_len=4096 or n_ctx=8192 (repeatable)")
    p.add_argument("--context", type=int, help="context length in tokens (default: asked from the server/model, else 4096)")
    p.add_argument("--max-tokens", type=int, default=300, help="reply length limit (300)")
    p.add_argument("--temperature", type=float, default=0.8)
    p.add_argument("--top-p", type=float, default=0.95)
    p.add_argument("--seed", type=int, default=0, help="base seed; each request adds one, so /retry differs")
    p.add_argument("--timeout", type=float, default=120.0, help="openai: seconds per attempt")
    p.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    p.set_defaults(func=cmd_chat)


def _session_from(args: argparse.Namespace) -> Session:
    cards = [load_card(path) for path in args.card]
    names = [card_name(c) for c in cards]
    as_name = args.as_name or next((n for n in names if n.lower() != args.user.lower()), None)
    if not as_name:
        raise ChatError("--as NAME is needed: every card is the user's character")
    scenario = args.scenario
    if scenario and len(scenario) < 4096 and "\n" not in scenario and Path(scenario).is_file():
        scenario = Path(scenario).read_text(encoding="utf-8")
    npcs = list(args.npc)
    if as_name.lower() not in [n.lower() for n in names] + [n.lower() for n in npcs]:
        npcs.append(as_name)  # a character without a card is an NPC
    return Session(cards=cards, user=args.user, as_name=as_name, scenario=scenario.strip(), npcs=npcs)


def _engine_from(args: argparse.Namespace):
    from script2rp.llm import make_engine

    if args.backend == "openai":
        if not args.base_url:
            raise ChatError("--backend openai needs --base-url, e.g. http://127.0.0.1:8000/v1")
        return make_engine("openai", model=args.model, base_url=args.base_url, cache_path=None, progress=False,
                           concurrency=1, timeout=args.timeout, max_retries=3)
    options = {}
    for item in args.engine_opt:
        key, sep, raw = item.partition("=")
        if not sep:
            raise ChatError(f"--engine-opt wants KEY=VALUE, got {item!r}")
        options[key] = yaml.safe_load(raw)
    if args.backend == "llamacpp":
        return make_engine("llamacpp", model=args.model, cache_path=None, progress=False, **options)
    if not args.model:
        raise ChatError("--backend vllm needs --model (a model directory or id)")
    import os

    os.environ.setdefault("VLLM_LOGGING_STREAM", "ext://sys.stderr")  # stdout is the conversation
    if args.quiet:
        os.environ.setdefault("VLLM_LOGGING_LEVEL", "WARNING")
    return make_engine("vllm", model=args.model, cache_path=None, progress=False, **options)


def save(session: Session, path: Path) -> None:
    path = Path(path)
    if path.suffix.lower() == ".json":
        data = {"user": session.user, "as": session.as_name, "scenario": session.scenario, "npcs": session.npcs,
                "cards": session.cards, "turns": session.history, "trimmed_turns": session.dropped}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    else:
        path.write_text(session.transcript(), encoding="utf-8")


def cmd_chat(args: argparse.Namespace) -> int:
    try:
        session = _session_from(args)
    except ChatError as exc:
        print(f"script2rp: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    interactive = sys.stdin.isatty()
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    palette: dict[str, str] = {}
    out = sys.stdout
    try:
        engine = _engine_from(args)
    except (ChatError, ValueError) as exc:
        print(f"script2rp: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    failures = 0
    try:
        context = args.context or _context_of(engine, args.backend, args.base_url) or 4096
        talker = Talker(engine, context, args.max_tokens, args.temperature, args.seed, args.top_p,
                        tokenizer=_tokenizer_of(engine, args.backend))
        if not args.quiet:
            print(f"chatting as {session.user} with {session.as_name} ({engine.backend.model}, "
                  f"context {context} tokens). {HELP}", file=sys.stderr)
        while True:
            try:
                line = input(f"{session.user}: ") if interactive else sys.stdin.readline()
            except EOFError:
                break
            if not interactive and line == "":
                break  # end of input
            line = line.strip()
            if not line:
                continue
            if line.startswith("/"):
                command, _, rest = line.partition(" ")
                if command in ("/quit", "/exit", "/q"):
                    break
                if command == "/help":
                    print(HELP, file=sys.stderr)
                    continue
                if command == "/save":
                    if not rest.strip():
                        print("usage: /save FILE", file=sys.stderr)
                        continue
                    try:
                        save(session, Path(rest.strip()))
                    except OSError as exc:
                        print(f"script2rp: cannot save: {exc}", file=sys.stderr)
                        failures += 1
                        continue
                    if not args.quiet:
                        print(f"saved to {rest.strip()}", file=sys.stderr)
                    continue
                if command == "/retry":
                    if not session.history:
                        print("nothing to retry", file=sys.stderr)
                        continue
                    if not session.history[-1].startswith(f"{session.user}:"):
                        session.history.pop()  # else the last reply failed: just ask again
                else:
                    print(f"unknown command {command}; {HELP}", file=sys.stderr)
                    continue
            else:
                if not interactive:
                    out.write(render(f"{session.user}: {line}", color, palette) + "\n\n")
                session.history.append(f"{session.user}: {line}")
            try:
                reply = talker.reply(session)
            except ChatError as exc:
                print(f"script2rp: {exc}", file=sys.stderr)
                failures += 1
                continue
            session.history.append(reply)
            out.write(render(reply, color, palette) + "\n\n")
            out.flush()
    except KeyboardInterrupt:
        print("", file=sys.stderr)
    finally:
        engine.close()
    if session.dropped and not args.quiet:
        print(f"({session.dropped} oldest turns were trimmed to fit the context)", file=sys.stderr)
    return EXIT_FAILURES if failures else EXIT_OK


__all__ = ["register", "Session", "load_card", "render", "clean_reply"]
