"""A backend for the Ray fault test: the openai backend in a process that dies (`os._exit`) once,
mid-batch, after answering `SCRIPT2RP_TEST_CRASH_AFTER` requests, the answers given so far already in
the replica's shard. The marker file `SCRIPT2RP_TEST_CRASH_MARKER` makes it die only once per test.
Its `name` is "openai", so its answers are cached under the same keys as a plain openai build's."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

from script2rp.llm import Outcome, Request
from script2rp.llm.openai_compat import OpenAIBackend


class CrashOnce(OpenAIBackend):
    answered = 0

    def stream(self, requests: Sequence[Request], label: str = "") -> Iterator[list[Outcome]]:
        for finished in super().stream(requests, label):
            yield finished  # the replica persists these before asking for more
            CrashOnce.answered += len(finished)
            if CrashOnce.answered >= int(os.environ["SCRIPT2RP_TEST_CRASH_AFTER"]):
                try:
                    os.close(os.open(os.environ["SCRIPT2RP_TEST_CRASH_MARKER"], os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                except FileExistsError:
                    continue
                os._exit(1)
