"""The build's model stages as one stream of work (`pipeline.schedule`, `pipeline.runner`): a re-ask
goes out at once, a stage's items go out as what they need arrives, and a cut answer gets one
larger budget, not two. The backend here is a controllable stand-in: each test makes an answer
wait for a request that only a streaming scheduler sends, so a round-based one would deadlock
(the per-test timeout turns that into a failure)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

import pytest
import yaml

from script2rp.llm import Backend, Capabilities, Engine, Outcome, Request, Result
from script2rp.model import Movie
from script2rp.parse import parse_file
from script2rp.pipeline.build import Build
from script2rp.pipeline.options import BuildOptions
from script2rp.pipeline.runner import Failed, Sampling, run_jobs
from script2rp.pipeline.schedule import Schedule
from script2rp.tasks import Invalid, Job
from script2rp.tasks.prompt import Prompt

from .conftest import FIXTURES

ANSWERS = yaml.safe_load((FIXTURES / "harbour-answers.yaml").read_text(encoding="utf-8"))
MOVIE = "low-tide-at-pell-harbour"
pytestmark = pytest.mark.timeout(60)


class Scripted(Backend):
    """Answers by request tag: `answer(tag, n)` for the n-th ask of a tag (from 0); `gate(tag)` may
    hold an answer back until an event."""

    name = "scripted"
    capabilities = Capabilities(concurrent=True)

    def __init__(self, answers: dict[str, str], gate=None, truncate=False, answer=None):
        self.model, self.gate, self.truncate = "scripted", gate, truncate
        self.answer = answer or (lambda tag, n: answers.get(tag, "not an answer"))
        self.asked: list[Request] = []
        self._lock = threading.Lock()

    def stream(self, requests: Sequence[Request], label: str = "") -> Iterator[list[Outcome]]:
        for index, request in enumerate(requests):
            with self._lock:
                n = tags(self).count(request.tag)
                self.asked.append(request)
            if self.gate is not None:
                self.gate(request.tag)
            text = self.answer(request.tag, n)
            yield [Outcome(index, Result([text], ["length" if self.truncate else "stop"], 10, 5))]


def tags(backend: Scripted) -> list[str]:
    return [r.tag for r in backend.asked]


def build(backend: Scripted) -> tuple[Build, list[Movie]]:
    b = Build(BuildOptions(inputs=[str(FIXTURES / "harbour.fountain")], backend=f"{__name__}:Scripted",
                           main_threshold=2, quiet=True))
    movie = Movie.of(parse_file(FIXTURES / "harbour.fountain", main_threshold=2), "harbour.fountain", set())
    b.engine = Engine(backend, progress=False)
    return b, [movie]


def run(b: Build, movies: list[Movie]) -> dict:
    results: dict = {}
    Schedule(b.stages, movies, b.ctx, results, b._fail).run(b.engine, b.sampling)
    return results


def test_a_memory_is_asked_before_the_last_transcript_is_in():
    memory_asked = threading.Event()

    def gate(tag: str) -> None:
        if tag == f"scene_enhancement:{MOVIE}/scene-0001/part-0":
            assert memory_asked.wait(20), "scene 1's transcript waited for a memory that never came"
        if tag == f"memories:{MOVIE}/scene-0000":
            memory_asked.set()

    backend = Scripted(ANSWERS | {f"memories:{MOVIE}/scene-0000": "Owen came home soaked.",
                                  f"memories:{MOVIE}/scene-0001": "Iris paid the mooring."}, gate)
    results = run(*build(backend))
    # The gate held scene 1's transcript until scene 0's memory was asked: both memories made it.
    assert set(results["memories"]) == {f"{MOVIE}/scene-0000", f"{MOVIE}/scene-0001"}


def test_an_invalid_answer_is_asked_again_while_the_rest_still_decode():
    summary = f"scene_summary:{MOVIE}/scene-0000"
    reasked = threading.Event()

    def answer(tag: str, n: int) -> str:
        if tag == summary and n == 0:
            return "Not a scenario"  # one sentence: invalid, asked again with a new seed
        if tag == summary:
            reasked.set()
        return ANSWERS.get(tag, "not an answer")

    def gate(tag: str) -> None:
        if tag == f"scene_summary:{MOVIE}/scene-0001":  # held until the re-ask of scene 0's summary
            assert reasked.wait(20), "the re-ask waited for the rest of its round"

    backend = Scripted({}, gate, answer=answer)
    results = run(*build(backend))
    assert results["scene_summary"][f"{MOVIE}/scene-0000"] == " ".join(ANSWERS[summary].split())
    assert tags(backend).count(summary) == 2
    assert len({r.params.seed for r in backend.asked if r.tag == summary}) == 2


def _never_valid(answer: str) -> str:
    raise Invalid("cut")


def test_a_cut_answer_gets_one_larger_budget_then_fails():
    backend = Scripted({}, truncate=True)
    engine = Engine(backend, progress=False)
    prompt = Prompt("p", "p/v1", __import__("string").Template("x"), max_tokens=100)
    job = Job(id="j", key="j", stage="s", movie="m", item="x", prompt=prompt, text="x", check=_never_valid,
              max_tokens=300)
    [outcome] = run_jobs(engine, [job], Sampling(attempts=5), desc="s").values()
    assert isinstance(outcome, Failed) and outcome.reason == "truncated at 5 tokens" and outcome.attempts == 2
    assert [r.params.max_tokens for r in backend.asked] == [300, 600]  # the job's budget, then doubled once
