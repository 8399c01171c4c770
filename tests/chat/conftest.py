"""Fixtures for the `script2rp chat` tests: a minimal card, and the harbour replay build's cards."""

from __future__ import annotations

from tests.export.conftest import REPO, embedded_model, harbour_build, run_cli  # noqa: F401  (fixtures)

__all__ = ["MARA_CARD", "REPO", "run_cli"]

MARA_CARD = """name: Mara
characteristics:
  Stern: Mara keeps the light and the ledger.
description: |
  Mara is the lighthouse keeper.
example_dialogue: |
  {{user}}: Is the lamp lit?
  Mara: Since dusk.
"""
