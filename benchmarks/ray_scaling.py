"""Scaling of `--engine ray` over replicas: the openai backend against a server of fixed latency.

Each replica is one Ray actor with its own OpenAI client keeping C requests in flight, so against a
server that answers every request after exactly L seconds, R replicas can at best reach R * C / L
requests per second. The run sends R * N distinct requests (weak scaling: the same work per
replica, so the fixed cost of starting the actor pool weighs the same at every R) through
`Engine.generate` over a `RayBackend`, the path a build's LLM stage takes, and prints the throughput, the speed-up
over one replica and the scaling efficiency (speed-up / R). "steady" counts the answers after the
first batch came back over the time until the last, without the pool's start-up.

The server (latency_server.py) runs in its own process, so it never competes with the replicas
for a GIL and serves any number of keep-alive connections.

    python benchmarks/ray_scaling.py [-n 800] [-c 16] [-l 0.2] [--replicas 1 2 4]

Target: >= 1.8x throughput from 1 to 2 replicas (this machine: 2 CPU cores).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from latency_server import fixed_latency_server


def measure(base_url: str, replicas: int, n: int, concurrency: int, tmp: Path, progress: bool) -> dict:
    from script2rp.llm import BackendConfig, Engine, Request, SamplingParams
    from script2rp.llm.ray import RayBackend

    config = BackendConfig(model="bench", base_url=base_url, concurrency=concurrency, timeout=60.0, max_retries=2)
    backend = RayBackend("openai", config, replicas=replicas, quiet=not progress)
    params = SamplingParams(max_tokens=16, seed=0)
    requests = [Request(f"replicas {replicas} prompt {i}", params=params) for i in range(n * replicas)]
    with Engine(backend, cache_path=tmp / f"r{replicas}" / "llm-cache.sqlite", progress=progress) as engine:
        start = time.perf_counter()
        results = engine.generate(requests, desc=f"{replicas} replica(s)")
        seconds = time.perf_counter() - start
        timing = backend.timings[-1]
        per_replica = [r["requests"] for r in backend.report()["replicas"]]
    failed = sum(not r.ok for r in results)
    first_batch = BATCH  # answers that came with the first batch are not in the steady window
    steady = (len(requests) - first_batch) / (timing["last"] - timing["first"])
    return {"replicas": replicas, "requests": len(requests), "failed": failed, "seconds": seconds,
            "throughput": len(requests) / seconds, "steady": steady, "per_replica": per_replica}


BATCH = int(os.environ.get("SCRIPT2RP_RAY_BATCH_SIZE", "16"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=800, help="requests per replica (800)")
    ap.add_argument("-c", "--concurrency", type=int, default=16, help="requests in flight per replica (16)")
    ap.add_argument("-l", "--latency", type=float, default=0.2, help="server latency in seconds (0.2)")
    ap.add_argument("--replicas", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--progress", action="store_true")
    args = ap.parse_args()

    import ray

    from script2rp.llm.ray import connect

    # Logical CPUs for the replicas (0.5 each) and Ray Data; the replicas mostly wait on the network.
    ray.init(num_cpus=max(os.cpu_count() or 1, max(args.replicas)), include_dashboard=False,
             logging_level="WARNING", log_to_driver=False)
    connect(quiet=True)  # Ray Data's bars and banners off
    rows = []
    try:
        with fixed_latency_server(args.latency) as base_url, tempfile.TemporaryDirectory() as tmp:
            for replicas in args.replicas:
                rows.append(measure(base_url, replicas, args.n, args.concurrency, Path(tmp), args.progress))
    finally:
        ray.shutdown()

    print(f"\nopenai backend, server latency {args.latency * 1000:.0f} ms, {args.concurrency} in flight per replica, "
          f"{args.n} requests per replica, batches of {BATCH}; {os.cpu_count()} CPU cores")
    print(f"{'replicas':>8} {'requests':>8} {'seconds':>8} {'req/s':>8} {'ideal':>8} {'speed-up':>8} "
          f"{'effic.':>7} {'steady':>8} {'s.up':>6}  per replica")
    base, base_steady = rows[0]["throughput"] / rows[0]["replicas"], rows[0]["steady"] / rows[0]["replicas"]
    ok = True
    for r in rows:
        ideal = r["replicas"] * args.concurrency / args.latency
        speedup = r["throughput"] / base
        steady_up = r["steady"] / base_steady
        print(f"{r['replicas']:>8} {r['requests']:>8} {r['seconds']:>8.2f} {r['throughput']:>8.1f} {ideal:>8.0f} "
              f"{speedup:>7.2f}x {speedup / r['replicas']:>6.0%} {r['steady']:>8.1f} {steady_up:>5.2f}x  "
              f"{r['per_replica']}" + (f"  ({r['failed']} failed)" if r["failed"] else ""))
        ok &= r["failed"] == 0
    two = next((r for r in rows if r["replicas"] == 2), None)
    if two is not None and rows[0]["replicas"] == 1:
        speedup = two["throughput"] / rows[0]["throughput"]
        print(f"\n1 -> 2 replicas: {speedup:.2f}x (target >= 1.8x): {'PASS' if speedup >= 1.8 else 'FAIL'}")
        ok &= speedup >= 1.8
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
