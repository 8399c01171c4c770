"""The whole-build fixtures of tests/build (harbour screenplay, its recorded good answers)."""

from tests.build.conftest import good_answers, harbour  # noqa: F401  (fixtures)
