"""The build: screenplays -> parsed movies -> generation stages -> dataset configs."""

from script2rp.build.pipeline import Build, BuildOptions

__all__ = ["Build", "BuildOptions"]
