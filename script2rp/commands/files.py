"""What `tag`, `parse` and `cast` share: run on every input file, report a bad one and go on."""

from __future__ import annotations

import argparse
import traceback
from collections.abc import Callable
from pathlib import Path

from script2rp.commands import error
from script2rp.errors import EXIT_BAD_INPUT, EXIT_OK, MissingDependency, ScreenplayError
from script2rp.ingest.inputs import find_inputs


def per_file(args: argparse.Namespace, work: Callable[[Path], None]) -> int:
    """Run `work` on each input; report bad files by name, in one line each, and carry on."""
    bad = 0
    for path in find_inputs(args.paths):
        try:
            if not path.exists():
                raise ScreenplayError(str(path), "no such file")
            work(path)
        except (ScreenplayError, MissingDependency) as e:
            bad += 1
            error(str(e))
            if args.debug:
                traceback.print_exc()
        except (KeyboardInterrupt, BrokenPipeError):
            raise
        except Exception as e:  # a reader's own failure on odd input: still one line, then go on
            bad += 1
            detail = " ".join(str(e).split())[:200]
            error(f"{path}: cannot read ({type(e).__name__}{': ' + detail if detail else ''})")
            if args.debug:
                traceback.print_exc()
    return EXIT_BAD_INPUT if bad else EXIT_OK
