"""Errors that stop a command with one line, and the exit codes they map to.

Library code raises; only `script2rp.commands` prints and exits. Every error here has a one-line
`str()` that names the file or option at fault, so the command line can report it without a
traceback (`--debug` adds one).

Exit codes: 0 success, 1 the job ran but some work failed (or no engine could run it), 2 bad
input or usage (a file that is not a screenplay, an unknown option, a missing optional
dependency), 130 interrupted.
"""

from __future__ import annotations

EXIT_OK, EXIT_FAILURES, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


class BadInput(Exception):
    """Input or usage the command cannot work with (exit 2); `str()` is the one-line report."""


class ScreenplayError(BadInput):
    """A file that cannot be read as a screenplay. `str()` is the one-line report."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class OptionError(BadInput, ValueError):
    """An option value, or a combination of options, that cannot work (exit 2)."""


class EngineUnavailable(RuntimeError):
    """No model engine can run (no replica starts, none answers): the job stops with this one line (exit 1)."""


class MissingDependency(ImportError):
    """An optional extra is not installed; the message holds the exact pip command (exit 2)."""

    def __init__(self, what: str, extra: str, package: str):
        super().__init__(
            f"{what} needs the optional dependency '{package}': pip install 'script2rp[{extra}]'"
        )


def exit_code(error: BaseException) -> int | None:
    """The exit code for an error that ends a command with one line; None for a bug (traceback)."""
    if isinstance(error, (BadInput, MissingDependency)):
        return EXIT_BAD_INPUT
    if isinstance(error, EngineUnavailable):
        return EXIT_FAILURES
    return None
