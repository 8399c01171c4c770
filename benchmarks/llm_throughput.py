"""Throughput of the openai backend against a server with a fixed latency, and of a cached re-run.

With a server that answers every request after exactly L seconds, a client keeping C requests in
flight can at best reach C / L requests per second; the gap to that figure is the engine's own
overhead (threads, HTTP, the cache write per answer, progress). The server (latency_server.py) runs
in its own process, so it is never the bottleneck.

    python benchmarks/llm_throughput.py [-n 2000] [-c 64] [-l 0.2] [--progress]

Targets: >= 95 % of C/L at C=64, L=200 ms, N=2000; a fully cached re-run of 2000 requests < 2 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from latency_server import fixed_latency_server

from script2rp.llm import Request, SamplingParams, make_engine


def run(n: int, concurrency: int, latency: float, progress: bool) -> bool:
    params = SamplingParams(max_tokens=16, seed=0)
    requests = [Request(f"benchmark prompt {i}", params=params) for i in range(n)]
    with fixed_latency_server(latency) as base_url, tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "llm-cache.sqlite"

        def timed_run(batch: list[Request], cache_path: Path | None) -> tuple[float, int, int]:
            with make_engine(
                "openai", model="bench", base_url=base_url, cache_path=cache_path,
                concurrency=concurrency, timeout=30, progress=progress,
            ) as engine:
                start = time.perf_counter()
                results = engine.generate(batch, desc="benchmark")
                wall = time.perf_counter() - start
            failed = sum(not result.ok for result in results)
            return wall, engine.stats.calls, failed

        # Untimed warm-up of the process (lazy imports, first-use code paths), not of the
        # cache: other prompts, no cache. Each timed run below builds a fresh engine.
        timed_run([Request(f"warm-up {i}", params=params) for i in range(concurrency)], None)
        wall, calls, failed = timed_run(requests, cache)
        cached_wall, cached_calls, cached_failed = timed_run(requests, cache)

    ideal = concurrency / latency
    achieved = n / wall
    share = achieved / ideal
    fast_enough = share >= 0.95
    cached_ok = cached_wall < 2.0 and cached_calls == 0 and not cached_failed
    print(f"server latency L={latency * 1000:.0f} ms, N={n} requests, concurrency C={concurrency}")
    rounds = -(-n // concurrency)
    print(
        f"ideal C/L: {ideal:.1f} req/s (the best any client can do for N={n} is "
        f"{n / (rounds * latency):.1f} req/s = {n / (rounds * latency) / ideal:.1%}: "
        f"{rounds} rounds of L)"
    )
    print(
        f"achieved: {n} requests ({calls} calls, {failed} failed) in {wall:.2f} s = "
        f"{achieved:.1f} req/s = {share:.1%} of ideal "
        f"[target >= 95%: {'PASS' if fast_enough else 'FAIL'}]"
    )
    print(
        f"cached re-run: {n} requests ({cached_calls} calls) in {cached_wall:.3f} s "
        f"[target < 2 s: {'PASS' if cached_ok else 'FAIL'}]"
    )
    return fast_enough and cached_ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--requests", type=int, default=2000)
    parser.add_argument("-c", "--concurrency", type=int, default=64)
    parser.add_argument("-l", "--latency", type=float, default=0.2, help="seconds")
    parser.add_argument("--progress", action="store_true", help="show the tqdm bar")
    args = parser.parse_args()
    return 0 if run(args.requests, args.concurrency, args.latency, args.progress) else 1


if __name__ == "__main__":
    sys.exit(main())
