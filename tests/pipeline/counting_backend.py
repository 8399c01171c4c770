"""A backend for the Ray load test: recorded answers, and a line in `SCRIPT2RP_TEST_OPENS` each
time one is opened (a model load, for a real backend). Its `name` is "replay"."""

from __future__ import annotations

import os

from script2rp.llm import BackendConfig
from script2rp.llm.replay import ReplayBackend


class CountOpens(ReplayBackend):
    @classmethod
    def open(cls, config: BackendConfig) -> ReplayBackend:
        with open(os.environ["SCRIPT2RP_TEST_OPENS"], "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()}\n")
        return super().open(config)
