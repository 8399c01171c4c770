"""The JSON the Ray driver and its actors exchange requests in (no cluster needed): every sampling
field survives the trip, so an actor sends what the local engine would have sent."""

from __future__ import annotations

from script2rp.llm.ray import _request_from, _request_json
from script2rp.llm import Request, SamplingParams


def test_requests_survive_the_wire() -> None:
    params = SamplingParams(max_tokens=64, temperature=0.5, stop=("\n\n",), seed=7,
                            json_schema={"type": "object"}, presence_penalty=0.5,
                            frequency_penalty=0.25, distinct=("trait",))
    for request in (Request("Card for Mara:", params=params, tag="character_card:mara"),
                    Request(messages=[{"role": "user", "content": "hi"}], params=SamplingParams(max_tokens=8))):
        assert _request_from(_request_json(request)) == request
