"""How often a model's character-card answer passes the card validator, with and without
constrained decoding: the figure behind `build --structured`.

Every main character (default threshold: 15 dialogue blocks) of the given screenplays gets the
`character_card` request the builder sends (same prompt, seed and sampling), through the llamacpp
backend and by default the embedded SmolLM2-135M-Instruct. Printed per mode:

- first answer valid: the share of requests whose first answer passes `character_card.check_card`;
- valid within N asks: with the builder's re-asks (new seed; doubled `max_tokens` after a cut);
- the reasons of the invalid first answers, and seconds per request.

    python benchmarks/card_validity.py ../shared/bench/sail-dev/screenplays [--modes structured,free]
        [--attempts 3] [--model FILE.gguf] [--cache DIR] [--limit N]

Target (issue 7): >= 95 % valid first answers with constrained decoding on the 13 SAIL dev
screenplays. Answers are cached in `--cache` (default: a temporary folder), so a re-run with the
same folder only prints.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from script2rp.ingest.inputs import find_inputs
from script2rp.llm import backend_class, make_engine
from script2rp.model import Movie
from script2rp.parse import parse_file
from script2rp.pipeline.runner import Done, Sampling, run_jobs
from script2rp.tasks import Context
from script2rp.tasks.character_card import CharacterCard


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="+")
    ap.add_argument("--modes", default="structured,free", help="structured (constrained), free, or both")
    ap.add_argument("--attempts", type=int, default=3, help="asks per character, as in build --attempts")
    ap.add_argument("--model", help="GGUF file (default: the embedded SmolLM2-135M-Instruct)")
    ap.add_argument("--cache", type=Path, help="answer cache folder (default: a temporary one)")
    ap.add_argument("--max-prompt-chars", type=int, default=8000)
    ap.add_argument("--limit", type=int, help="ask for only N characters, spread evenly over all of them")
    args = ap.parse_args()

    movies, taken = [], set()
    for path in find_inputs(args.inputs):
        movies.append(Movie.of(parse_file(path), str(path), taken))
    pairs = [(m, c) for m in movies for c in m.screenplay.main_characters]
    if args.limit and args.limit < len(pairs):
        pairs = [pairs[i * len(pairs) // args.limit] for i in range(args.limit)]
    print(f"{len(movies)} screenplays, {len(pairs)} main characters", file=sys.stderr)
    cache_dir = args.cache or Path(tempfile.mkdtemp(prefix="card-validity-"))
    cache_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine("llamacpp", model=args.model, cache_path=cache_dir / "cache.sqlite", progress=True)
    rows = []
    try:
        for mode in args.modes.split(","):
            structured = mode == "structured"
            settings = Sampling(attempts=args.attempts, structured=structured,
                                prompt_format=backend_class("llamacpp").capabilities.prompt_format)
            ctx = Context(structured=structured, max_prompt_chars=args.max_prompt_chars)
            wanted = {m.character_id(c) for m, c in pairs}
            jobs = [j for m in movies for j in CharacterCard().jobs(m, {}, ctx) if j.key in wanted]
            before = engine.stats.calls
            start = time.perf_counter()
            outcomes = run_jobs(engine, jobs, settings, desc=f"cards ({mode})")
            seconds = time.perf_counter() - start
            sent = (engine.stats.calls) - before
            first = sum(1 for o in outcomes.values() if isinstance(o, Done) and o.attempts == 1)
            final = sum(1 for o in outcomes.values() if isinstance(o, Done))
            reasons = Counter()
            for o in outcomes.values():
                if not (isinstance(o, Done) and o.attempts == 1):
                    reasons[_kind(o)] += 1
            rows.append((mode, len(jobs), first, final, seconds / max(sent, 1), sent, reasons))
    finally:
        engine.close()
    print(f"\nmodel: {args.model or 'embedded SmolLM2-135M-Instruct (Q4_1)'}; {len(pairs)} characters, "
          f"up to {args.attempts} asks each")
    print(f"{'mode':<11} {'first answer valid':>20} {'valid within asks':>19} {'s/request':>10} {'sent':>6}")
    for mode, n, first, final, per, sent, reasons in rows:
        print(f"{mode:<11} {first:>5}/{n:<4} {first / n:>8.1%} {final:>6}/{n:<4} {final / n:>6.1%} {per:>10.1f} {sent:>6}")
    for mode, *_, reasons in rows:
        print(f"{mode}: invalid first answers by reason: "
              + (", ".join(f"{r} x{k}" for r, k in reasons.most_common()) or "none"))
    return 0


def _kind(outcome) -> str:
    """A failure's reason without its details (the trait count, the YAML position)."""
    if isinstance(outcome, Done):
        return "re-asked, then valid"
    reason = outcome.reason
    for cut in (" at ", ": line", ", want", " (", " but "):
        reason = reason.split(cut)[0]
    return reason


if __name__ == "__main__":
    sys.exit(main())
