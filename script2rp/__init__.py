"""script2rp: screenplays in, cinematika-style roleplay datasets out."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("script2rp")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+local"
