"""In-process vLLM backend: one `vllm.LLM` per run, every request submitted as soon as it is asked.

Submitting requests up front lets vLLM's scheduler keep the GPU saturated and its prefix cache
reuse the shared instructions at the head of each prompt. Instead of `LLM.generate`, which returns
only when the last request is done, requests go in through `LLM.enqueue`/`LLM.enqueue_chat`
(vLLM 0.32's public queueing API, which renders chat prompts with the model's own template) and
one thread of ours (the pump) drives `llm_engine.step()`, handing each request to the caller the
moment it finishes: a crash loses only what was in flight.

The pump is the only thread that touches the engine, so `stream` may be called from several
threads at once (a Ray replica answers many batches at a time; the build's runner feeds new work
while earlier work decodes): every call's requests join the same running batch.

vLLM starts its engine core with multiprocessing spawn, so a script that builds this backend needs
an `if __name__ == "__main__":` guard.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from ..errors import MissingDependency, OptionError
from .backend import FAILED_FINISH_REASONS, Backend, BackendConfig, Capabilities, Outcome
from .types import Request, Result, SamplingParams


def _external_id(request_id: str) -> str:
    """`enqueue` returns vLLM's internal id, "<external>-<8 random chars>" (unless
    VLLM_DISABLE_REQUEST_ID_RANDOMIZATION is set); outputs carry the external id, an integer."""
    return request_id.split("-", 1)[0]


def _on_cpu() -> bool:
    from vllm.platforms import current_platform

    return current_platform.is_cpu()


class _Call:
    """One `stream` call: its requests, and where their outcomes go."""

    def __init__(self, requests: Sequence[Request]):
        self.requests = list(requests)
        self.done: queue.SimpleQueue[list[Outcome]] = queue.SimpleQueue()


class VLLMBackend(Backend):
    name = "vllm"
    capabilities = Capabilities(json_schema=True, structured_by_default=True, concurrent=True)

    @classmethod
    def check(cls, config: BackendConfig) -> None:
        if not config.model:
            raise OptionError("--backend vllm needs --model (a model directory or id)")

    @classmethod
    def open(cls, config: BackendConfig) -> VLLMBackend:
        cls.check(config)
        return cls(config.model, **config.options)

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
        self._inbox: queue.SimpleQueue[tuple[str, _Call] | None] = queue.SimpleQueue()
        self._dead: str | None = None  # why the engine stopped, once it has
        self._pump = threading.Thread(target=self._run, name="vllm-pump", daemon=True)
        self._pump.start()

    def context_length(self) -> int | None:
        return int(self._llm.llm_engine.model_config.max_model_len)

    def tokenizer(self) -> Any:
        return self._llm.get_tokenizer()

    def chat_template(self) -> str | None:
        return getattr(self.tokenizer(), "chat_template", None)

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

    def stream(self, requests: Sequence[Request], label: str = "") -> Iterator[list[Outcome]]:
        call = _Call(requests)
        left = len(call.requests)
        if not left:
            return
        self._inbox.put(("add", call))
        try:
            while left:
                finished = call.done.get()
                left -= len(finished)
                yield finished
        finally:
            if left:  # interrupted: free the engine of this call's requests
                self._inbox.put(("abort", call))

    # -- the pump thread: the only one that touches the engine ---------------------------------------

    def _run(self) -> None:
        engine = self._llm.llm_engine
        pending: dict[str, tuple[int, _Call]] = {}  # external request id -> (index, call)
        closing = False
        while not (closing and not pending):
            try:  # take every message that has arrived; wait for one when idle
                while (message := self._inbox.get(block=not pending)) is not None:
                    self._handle(message, pending)
                closing = True  # close() was called: finish what is pending, then stop
            except queue.Empty:
                pass
            if not pending:
                continue
            try:
                if not engine.has_unfinished_requests():
                    self._fail(pending, "vLLM dropped the request")
                    continue
                by_call: dict[int, tuple[_Call, list[Outcome]]] = {}
                for output in engine.step():
                    if output.finished and output.request_id in pending:
                        index, call = pending.pop(output.request_id)
                        by_call.setdefault(id(call), (call, []))[1].append(self._outcome(index, output))
                for call, outcomes in by_call.values():
                    call.done.put(outcomes)
            except Exception as exc:  # the engine died: every waiting request hears why
                self._dead = f"the vLLM engine stopped: {type(exc).__name__}: {exc}"
                self._fail(pending, self._dead)

    def _handle(self, message: tuple[str, _Call], pending: dict[str, tuple[int, _Call]]) -> None:
        action, call = message
        if action == "abort":
            ids = [rid for rid, (_, owner) in pending.items() if owner is call]
            for rid in ids:
                del pending[rid]
            if ids and self._dead is None:
                self._llm.llm_engine.abort_request(ids)
            return
        rejected = []
        for index, request in enumerate(call.requests):
            if self._dead is not None:
                rejected.append(Outcome(index, Result.failed(self._dead)))
                continue
            try:  # one at a time: vLLM rejects a bad request (too long, bad schema) alone
                if request.messages is not None:
                    ids = self._llm.enqueue_chat(request.messages, self._sampling(request.params), use_tqdm=False)
                else:
                    ids = self._llm.enqueue(request.prompt, self._sampling(request.params), use_tqdm=False)
            except Exception as exc:
                rejected.append(Outcome(index, Result.failed(f"vLLM rejected it: {exc}")))
                continue
            pending[_external_id(ids[0])] = (index, call)
        if rejected:
            call.done.put(rejected)

    @staticmethod
    def _fail(pending: dict[str, tuple[int, _Call]], reason: str) -> None:
        by_call: dict[int, tuple[_Call, list[Outcome]]] = {}
        for index, call in pending.values():
            by_call.setdefault(id(call), (call, []))[1].append(Outcome(index, Result.failed(reason)))
        pending.clear()
        for call, outcomes in by_call.values():
            call.done.put(outcomes)

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
        self._inbox.put(None)
        self._pump.join(timeout=30)
        self._llm.llm_engine.engine_core.shutdown()
