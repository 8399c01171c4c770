"""Throughput of the openai backend against a server with a fixed latency, and of a cached re-run.

With a server that answers every request after exactly L seconds, a client keeping C requests in
flight can at best reach C / L requests per second; the gap to that figure is the engine's own
overhead (threads, HTTP, the cache write per answer, progress). The server is a raw asyncio HTTP/1.1
server in a separate process, so that it never competes with the client for the GIL and serves any
number of concurrent keep-alive connections without becoming the bottleneck.

    python benchmarks/llm_throughput.py [-n 2000] [-c 64] [-l 0.2] [--progress]

Targets: >= 95 % of C/L at C=64, L=200 ms, N=2000; a fully cached re-run of 2000 requests < 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

from script2rp.llm import Request, SamplingParams, make_engine


_ANSWER = json.dumps({
    "choices": [{"index": 0, "text": "a fixed answer", "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 4, "completion_tokens": 3},
}).encode()
_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
    len(_ANSWER), _ANSWER)


async def _answer(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, latency: float
) -> None:
    """Answer each request on a keep-alive connection `latency` seconds after it arrived."""
    loop = asyncio.get_running_loop()
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            due = loop.time() + latency
            length = 0
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            await asyncio.sleep(due - loop.time())
            writer.write(_RESPONSE)
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def _serve(latency: float, ready: Connection) -> None:
    async def main() -> None:
        server = await asyncio.start_server(
            lambda r, w: _answer(r, w, latency), "127.0.0.1", 0, backlog=1024
        )
        ready.send(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(main())


def run(n: int, concurrency: int, latency: float, progress: bool) -> bool:
    receive, send = multiprocessing.Pipe(duplex=False)
    server = multiprocessing.Process(target=_serve, args=(latency, send), daemon=True)
    server.start()
    base_url = f"http://127.0.0.1:{receive.recv()}/v1"
    params = SamplingParams(max_tokens=16, seed=0)
    requests = [Request(f"benchmark prompt {i}", params=params) for i in range(n)]
    try:
        with tempfile.TemporaryDirectory() as tmp:
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
    finally:
        server.terminate()

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
