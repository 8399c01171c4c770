"""Errors that name the file and the reason, so the CLI can print one line and go on."""


class ScreenplayError(Exception):
    """A file that cannot be read as a screenplay. `str()` is the one-line report."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class EngineUnavailable(RuntimeError):
    """No model engine can run (no replica starts, none answers): the job stops with this one line."""


class MissingDependency(ImportError):
    """An optional extra is not installed; the message holds the exact pip command."""

    def __init__(self, what: str, extra: str, package: str):
        super().__init__(
            f"{what} needs the optional dependency '{package}': pip install 'script2rp[{extra}]'"
        )
