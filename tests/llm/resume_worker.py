"""Run as a script by test_cache.py: answer N prompts through the openai backend into a cache,
slowly enough to be killed part-way."""

from __future__ import annotations

import sys

from script2rp.llm import Request, SamplingParams, make_engine

PARAMS = SamplingParams(max_tokens=8, seed=1)


def resume_requests(n: int) -> list[Request]:
    return [Request(f"resume prompt {i:03d}", params=PARAMS, tag=f"p{i:03d}") for i in range(n)]


def main() -> None:
    base_url, cache_path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with make_engine(
        "openai", model="fake", base_url=base_url, cache_path=cache_path, concurrency=4,
        progress=False,
    ) as engine:
        engine.generate(resume_requests(n))
    print("finished")


if __name__ == "__main__":
    main()
