"""`script2rp chat`: roleplay with a model in the cinematika format, from the terminal.

You speak as `--user`; the model answers as `--as` (and may voice other characters and narration).
Commands: `/quit` (or end of input), `/retry` (ask again for the last reply), `/save FILE` (the
session as text, or as JSON when FILE ends in .json), `/help`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from script2rp.chat import ReplyError, Session, Talker, card_name, load_card, render, save
from script2rp.commands import error
from script2rp.errors import EXIT_FAILURES, EXIT_OK, OptionError
from script2rp.llm import Engine, make_engine
from script2rp.pipeline.options import parse_engine_opts

HELP = "commands: /retry (ask again), /save FILE (.txt or .json), /quit"
BACKENDS = ("openai", "vllm", "llamacpp")


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
    p.add_argument("--backend", choices=BACKENDS, default="openai",
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
    p.set_defaults(run=run)


def session_from(args: argparse.Namespace) -> Session:
    cards = [load_card(path) for path in args.card]
    names = [card_name(c) for c in cards]
    as_name = args.as_name or next((n for n in names if n.lower() != args.user.lower()), None)
    if not as_name:
        raise OptionError("--as NAME is needed: every card is the user's character")
    scenario = args.scenario
    if scenario and len(scenario) < 4096 and "\n" not in scenario and Path(scenario).is_file():
        scenario = Path(scenario).read_text(encoding="utf-8")
    npcs = list(args.npc)
    if as_name.lower() not in [n.lower() for n in names] + [n.lower() for n in npcs]:
        npcs.append(as_name)  # a character without a card is an NPC
    return Session(cards=cards, user=args.user, as_name=as_name, scenario=scenario.strip(), npcs=npcs)


def engine_from(args: argparse.Namespace) -> Engine:
    if args.backend == "openai":
        return make_engine("openai", model=args.model, base_url=args.base_url, cache_path=None, progress=False,
                           concurrency=1, timeout=args.timeout, max_retries=3)
    if args.backend == "vllm":
        os.environ.setdefault("VLLM_LOGGING_STREAM", "ext://sys.stderr")  # stdout is the conversation
        if args.quiet:
            os.environ.setdefault("VLLM_LOGGING_LEVEL", "WARNING")
    return make_engine(args.backend, model=args.model, cache_path=None, progress=False,
                       **parse_engine_opts(args.engine_opt))


def run(args: argparse.Namespace) -> int:
    session = session_from(args)
    engine = engine_from(args)
    try:
        context = args.context or engine.backend.context_length() or 4096
        talker = Talker(engine, context, args.max_tokens, args.temperature, args.seed, args.top_p)
        if not args.quiet:
            print(f"chatting as {session.user} with {session.as_name} ({engine.backend.model}, "
                  f"context {context} tokens). {HELP}", file=sys.stderr)
        failures = converse(session, talker, args)
    finally:
        engine.close()
    if session.dropped and not args.quiet:
        print(f"({session.dropped} oldest turns were trimmed to fit the context)", file=sys.stderr)
    return EXIT_FAILURES if failures else EXIT_OK


def converse(session: Session, talker: Talker, args: argparse.Namespace) -> int:
    """The read-reply loop until /quit or the end of input; returns the number of failures."""
    interactive = sys.stdin.isatty()
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    palette: dict[str, str] = {}
    failures = 0
    try:
        while (line := _read(session, interactive)) is not None:
            if not line:
                continue
            if line.startswith("/"):
                action = command(session, line, args)
                if action == "quit":
                    break
                failures += action == "failed"
                if action != "retry":
                    continue
            else:
                if not interactive:
                    sys.stdout.write(render(f"{session.user}: {line}", color, palette) + "\n\n")
                session.history.append(f"{session.user}: {line}")
            try:
                reply = talker.reply(session)
            except ReplyError as exc:
                error(str(exc))
                failures += 1
                continue
            session.history.append(reply)
            sys.stdout.write(render(reply, color, palette) + "\n\n")
            sys.stdout.flush()
    except KeyboardInterrupt:
        print("", file=sys.stderr)
    return failures


def _read(session: Session, interactive: bool) -> str | None:
    """The next line typed (stripped), None at the end of input."""
    try:
        line = input(f"{session.user}: ") if interactive else sys.stdin.readline()
    except EOFError:
        return None
    if not interactive and line == "":
        return None
    return line.strip()


def command(session: Session, line: str, args: argparse.Namespace) -> str:
    """A `/command`: "quit", "retry" (ask for a reply now), "failed" or "done"."""
    name, _, rest = line.partition(" ")
    if name in ("/quit", "/exit", "/q"):
        return "quit"
    if name == "/help":
        print(HELP, file=sys.stderr)
    elif name == "/save":
        if not rest.strip():
            print("usage: /save FILE", file=sys.stderr)
            return "done"
        try:
            save(session, Path(rest.strip()))
        except OSError as exc:
            error(f"cannot save: {exc}")
            return "failed"
        if not args.quiet:
            print(f"saved to {rest.strip()}", file=sys.stderr)
    elif name == "/retry":
        if not session.history:
            print("nothing to retry", file=sys.stderr)
            return "done"
        if not session.history[-1].startswith(f"{session.user}:"):
            session.history.pop()  # else the last reply failed: just ask again
        return "retry"
    else:
        print(f"unknown command {name}; {HELP}", file=sys.stderr)
    return "done"
