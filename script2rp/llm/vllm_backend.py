"""In-process vLLM backend: one `vllm.LLM` per run, whole stages submitted at once.

Submitting every request of a stage up front lets vLLM's scheduler keep the GPU saturated and its
prefix cache reuse the shared instructions at the head of each prompt. Instead of `LLM.generate`,
which returns only when the last request is done, requests go in through `LLM.enqueue`/
`LLM.enqueue_chat` (vLLM 0.32's public queueing API, which renders chat prompts with the model's own
template) and we drive `llm_engine.step()` ourselves, handing each request to the engine's cache the
moment it finishes: a crash loses only what was in flight.

vLLM starts its engine core with multiprocessing spawn, so a script that builds this backend needs
an `if __name__ == "__main__":` guard.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from ..errors import MissingDependency
from .backend import FAILED_FINISH_REASONS, Outcome
from .types import Request, Result, SamplingParams


def _external_id(request_id: str) -> str:
    """`enqueue` returns vLLM's internal id, "<external>-<8 random chars>" (unless
    VLLM_DISABLE_REQUEST_ID_RANDOMIZATION is set); outputs carry the external id, an integer."""
    return request_id.split("-", 1)[0]


def _on_cpu() -> bool:
    from vllm.platforms import current_platform

    return current_platform.is_cpu()


class VLLMBackend:
    kind = "vllm"

    def __init__(
        self,
        model: str,
        *,
        dtype: str = "auto",
        max_model_len: int | None = None,
        tensor_parallel_size: int = 1,
        gpu_memory_utilization: float | None = None,
        enforce_eager: bool = False,
        **llm_kwargs: Any,
    ):
        try:
            import vllm
            from vllm.sampling_params import StructuredOutputsParams
        except ImportError as exc:
            raise MissingDependency("the vllm backend", "vllm", "vllm") from exc
        self._vllm_params = vllm.SamplingParams
        self._structured = StructuredOutputsParams
        options: dict[str, Any] = {
            "dtype": dtype,
            "tensor_parallel_size": tensor_parallel_size,
            "enforce_eager": enforce_eager,
            "enable_prefix_caching": True,
            **llm_kwargs,
        }
        if max_model_len is not None:
            options["max_model_len"] = max_model_len
        if gpu_memory_utilization is not None:  # on CPU: share of a NUMA node's RAM for KV cache
            options["gpu_memory_utilization"] = gpu_memory_utilization
        if _on_cpu():
            # vLLM 0.32's CPU runner crashes the engine ("CPU Generator does not use offset") when
            # a seeded request's prefill is split over two steps; whole prefills avoid that path.
            options.setdefault("enable_chunked_prefill", False)
        self.model = model
        self._llm = vllm.LLM(model=model, **options)

    def __repr__(self) -> str:
        return f"VLLMBackend({self.model!r})"

    def _sampling(self, params: SamplingParams) -> Any:
        return self._vllm_params(
            n=params.n,
            temperature=params.temperature,
            top_p=params.top_p,
            max_tokens=params.max_tokens,
            stop=list(params.stop) or None,
            seed=params.seed,
            presence_penalty=params.presence_penalty,
            frequency_penalty=params.frequency_penalty,
            structured_outputs=None
            if params.json_schema is None
            else self._structured(json=params.json_schema),
        )

    def stream(self, requests: Sequence[Request]) -> Iterator[list[Outcome]]:
        engine = self._llm.llm_engine
        pending: dict[str, int] = {}  # external request id -> index
        try:
            rejected = []
            for index, request in enumerate(requests):
                try:  # one at a time: vLLM rejects a bad request (too long, bad schema) alone
                    if request.messages is not None:
                        ids = self._llm.enqueue_chat(
                            request.messages, self._sampling(request.params), use_tqdm=False
                        )
                    else:
                        ids = self._llm.enqueue(
                            request.prompt, self._sampling(request.params), use_tqdm=False
                        )
                except Exception as exc:
                    rejected.append(Outcome(index, Result.failed(f"vLLM rejected it: {exc}")))
                    continue
                pending[_external_id(ids[0])] = index
            if rejected:
                yield rejected
            while pending and engine.has_unfinished_requests():
                finished = [
                    self._outcome(pending.pop(output.request_id), output)
                    for output in engine.step()
                    if output.finished and output.request_id in pending
                ]
                if finished:
                    yield finished
            if pending:
                yield [Outcome(index, Result.failed("vLLM dropped the request"))
                       for index in pending.values()]
                pending.clear()
        finally:
            if pending:  # interrupted: free the engine for the next batch
                engine.abort_request(list(pending))

    @staticmethod
    def _outcome(index: int, output: Any) -> Outcome:
        completions = sorted(output.outputs, key=lambda completion: completion.index)
        reasons = [str(completion.finish_reason or "unknown") for completion in completions]
        if failed := FAILED_FINISH_REASONS.intersection(reasons):
            return Outcome(index, Result.failed(f"vLLM finished with {sorted(failed)}"))
        result = Result(
            texts=[completion.text for completion in completions],
            finish_reasons=reasons,
            prompt_tokens=len(output.prompt_token_ids or ()),
            completion_tokens=sum(len(completion.token_ids) for completion in completions),
        )
        return Outcome(index, result, cached_prompt_tokens=output.num_cached_tokens)

    def close(self) -> None:
        self._llm.llm_engine.engine_core.shutdown()
