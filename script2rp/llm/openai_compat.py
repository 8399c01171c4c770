"""Backend for any OpenAI-compatible server (vLLM's api_server, LM Studio, llama.cpp, Aphrodite).

A long build meets flaky servers: overloaded (429/503), restarted (dropped connections), stalled
(timeouts) or returning garbage. Each request is retried on its own with exponential backoff and
full jitter, honouring Retry-After, so one bad answer never sinks a batch and many clients do not
retry in lock-step; errors that retrying cannot fix (other 4xx) fail at once with the server's
message. Requests run on `concurrency` daemon threads, each with its own keep-alive connection:
the caller sees a plain synchronous iterator, and Ctrl-C is never held up by a pending request.
The API key comes from OPENAI_API_KEY and only ever travels in the Authorization header.
"""

from __future__ import annotations

import email.utils
import json
import os
import queue
import threading
import time
from collections.abc import Iterator, Sequence

import httpx
from tenacity import (
    Retrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    stop_when_event_set,
    wait_random_exponential,
)

from ..errors import EngineUnavailable, OptionError
from .backend import FAILED_FINISH_REASONS, Backend, BackendConfig, Capabilities, Outcome
from .types import Request, Result

RETRY_STATUSES = frozenset({408, 409, 429})  # and every 5xx
MAX_RETRY_AFTER = 600.0  # seconds; a longer Retry-After is treated as this
_PATHS = ("/completions", "/chat/completions")


class _Transient(Exception):
    """Worth another attempt; `retry_after` is the server's requested delay, if any."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class _Permanent(Exception):
    """Retrying cannot help (a 4xx other than 408/409/429)."""


class _Batch:
    """One `stream` call, shared by the workers that pick it up."""

    def __init__(self, requests: Sequence[Request]):
        self._todo = iter(enumerate(requests))
        self._lock = threading.Lock()
        self.done: queue.SimpleQueue[Outcome] = queue.SimpleQueue()
        self.stop = threading.Event()

    def take(self) -> tuple[int, Request] | None:
        """The next request not yet taken by a worker; None when none are left or it stopped."""
        if self.stop.is_set():
            return None
        with self._lock:
            return next(self._todo, None)


def _retry_after(value: str | None) -> float | None:
    """Parse Retry-After: delay seconds or an HTTP date."""
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _server_message(response: httpx.Response) -> str:
    try:
        body = response.json()
        error = body.get("error", body) if isinstance(body, dict) else body
        message = error.get("message", error) if isinstance(error, dict) else error
    except ValueError:
        message = response.text
    return str(message).strip()[:500] or response.reason_phrase


class OpenAIBackend(Backend):
    name = "openai"
    # Not every server constrains decoding (vLLM's does; llama.cpp's and LM Studio's differ), so
    # structured output is asked for only with --structured.
    capabilities = Capabilities(json_schema=True, concurrent=True)

    @classmethod
    def check(cls, config: BackendConfig) -> None:
        if not config.base_url:
            raise OptionError("--backend openai needs --base-url, e.g. http://127.0.0.1:8000/v1")
        unknown = sorted(set(config.options) - {"backoff", "max_backoff"})
        if unknown:
            raise OptionError(f"--backend openai takes the engine options backoff and max_backoff, not {', '.join(unknown)}")

    @classmethod
    def open(cls, config: BackendConfig) -> OpenAIBackend:
        cls.check(config)
        return cls(config.base_url, config.model, concurrency=config.concurrency, timeout=config.timeout,
                   max_retries=config.max_retries, **config.options)

    @classmethod
    def served_model(cls, config: BackendConfig) -> str:
        if config.model:
            return config.model
        backend = cls(config.base_url, None, concurrency=1, timeout=min(config.timeout, 60.0))
        try:
            return backend.model
        finally:
            backend.close()

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        *,
        concurrency: int = 32,
        timeout: float = 600.0,
        max_retries: int = 6,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
    ):
        if concurrency < 1:
            raise ValueError(f"concurrency must be >= 1, got {concurrency}")
        self.base_url = base_url.rstrip("/")
        self.concurrency = concurrency
        self.timeout = timeout
        self.max_retries = max_retries
        self._wait_backoff = wait_random_exponential(multiplier=backoff, max=max_backoff)
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if api_key := os.environ.get("OPENAI_API_KEY"):
            headers["Authorization"] = f"Bearer {api_key}"
        self._headers = httpx.Headers(headers)
        self._timeouts = httpx.Timeout(timeout).as_dict()
        self._tls = httpx.create_ssl_context()  # built once, not once per connection
        self._urls = {path: httpx.URL(self.base_url + path) for path in _PATHS}
        self.model = model or self._only_served_model()
        # Workers live as long as the backend: a build calls generate() many times, and threads
        # started per batch would each wait for the GIL before the first request goes out.
        self._batches: queue.SimpleQueue[_Batch | None] = queue.SimpleQueue()
        for _ in range(concurrency):
            threading.Thread(target=self._work, args=(self._transport(),), daemon=True).start()

    def __repr__(self) -> str:  # no headers: the API key must never be printed
        return f"OpenAIBackend({self.base_url!r}, model={self.model!r})"

    def _transport(self) -> httpx.HTTPTransport:
        """One keep-alive connection, owned by one worker.

        Workers call httpx's transport directly instead of sharing an `httpx.Client`: a shared
        pool does O(connections) bookkeeping (with a poll per idle connection) on every request,
        and the client layer (URL merging, cookies, auth and redirect hooks) adds half again to
        the CPU per request; with 64 workers on one GIL that held throughput under 95 % of what
        the server allows (see benchmarks/llm_throughput.py).
        """
        return httpx.HTTPTransport(
            verify=self._tls, limits=httpx.Limits(max_connections=1, max_keepalive_connections=1)
        )

    def _send(
        self, transport: httpx.HTTPTransport, method: str, url: httpx.URL, body: dict | None = None
    ) -> httpx.Response:
        """One attempt; the response is fully read. Raises httpx errors."""
        request = httpx.Request(
            method,
            url,
            content=None if body is None else json.dumps(body).encode(),
            headers=self._headers,
            extensions={"timeout": self._timeouts},
        )
        response = transport.handle_request(request)
        try:
            response.read()
        finally:
            response.close()
        return response

    def context_length(self) -> int | None:
        """vLLM's server lists `max_model_len` with each model; other servers may not say."""
        try:
            with self._transport() as transport:
                response = self._send(transport, "GET", httpx.URL(self.base_url + "/models"))
            for entry in response.json().get("data", []):
                if entry.get("id") == self.model and entry.get("max_model_len"):
                    return int(entry["max_model_len"])
        except (httpx.HTTPError, ValueError, AttributeError, TypeError):
            pass
        return None

    def _only_served_model(self) -> str:
        """The server's single model, for servers started with one model and no name to remember."""
        with self._transport() as transport:
            try:
                response = self._send(transport, "GET", httpx.URL(self.base_url + "/models"))
                if response.status_code != 200:
                    raise ValueError(f"HTTP {response.status_code}: {_server_message(response)}")
                names = [entry["id"] for entry in response.json()["data"]]
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                raise EngineUnavailable(f"no model given and {self.base_url}/models failed: {exc}") from exc
        if len(names) != 1:
            raise OptionError(f"no model given and {self.base_url} serves {names}: pick one with --model")
        return names[0]

    def stream(self, requests: Sequence[Request], label: str = "") -> Iterator[list[Outcome]]:
        batch = _Batch(requests)
        for _ in range(min(self.concurrency, len(requests))):
            self._batches.put(batch)
        try:
            left = len(requests)
            while left:
                finished = [batch.done.get()]
                while not batch.done.empty():
                    finished.append(batch.done.get_nowait())
                left -= len(finished)
                yield finished
        finally:
            batch.stop.set()  # workers take no more of its requests and stop retrying them

    def _work(self, transport: httpx.HTTPTransport) -> None:
        with transport:
            while (batch := self._batches.get()) is not None:
                while (item := batch.take()) is not None:
                    index, request = item
                    try:
                        outcome = self._call(transport, index, request, batch.stop)
                    except Exception as exc:  # a bug must not lose the request: report it
                        outcome = Outcome(index, Result.failed(f"internal error: {exc!r}"))
                    batch.done.put(outcome)

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _Transient) and error.retry_after is not None:
            return min(error.retry_after, MAX_RETRY_AFTER)
        return self._wait_backoff(state)

    def _call(
        self, transport: httpx.HTTPTransport, index: int, request: Request, stop: threading.Event
    ) -> Outcome:
        path, body = self._payload(request)
        retrying = Retrying(
            stop=stop_after_attempt(self.max_retries + 1) | stop_when_event_set(stop),
            wait=self._wait,
            retry=retry_if_exception_type(_Transient),
            sleep=stop.wait,
            reraise=True,
        )
        cached_tokens: int | None = None
        try:
            result, cached_tokens = retrying(
                self._post, transport, path, body, request.messages is not None
            )
        except _Transient as exc:
            attempts = retrying.statistics.get("attempt_number", 1)
            result = Result.failed(f"POST {path}: {exc} (gave up after {attempts} attempts)")
        except _Permanent as exc:
            result = Result.failed(f"POST {path}: {exc}")
        retries = retrying.statistics.get("attempt_number", 1) - 1
        return Outcome(index, result, retries=retries, cached_prompt_tokens=cached_tokens)

    def _payload(self, request: Request) -> tuple[str, dict]:
        p = request.params
        body: dict = {
            "model": self.model,
            "max_tokens": p.max_tokens,
            "temperature": p.temperature,
            "top_p": p.top_p,
            "n": p.n,
        }
        if p.stop:
            body["stop"] = list(p.stop)
        if p.seed is not None:
            body["seed"] = p.seed
        if p.presence_penalty:
            body["presence_penalty"] = p.presence_penalty
        if p.frequency_penalty:
            body["frequency_penalty"] = p.frequency_penalty
        if request.messages is not None:
            body["messages"] = request.messages
            if p.json_schema is not None:
                body["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {"name": "output", "schema": p.json_schema, "strict": True},
                }
            return "/chat/completions", body
        body["prompt"] = request.prompt
        if p.json_schema is not None:  # vLLM's extension; completions have no response_format
            body["structured_outputs"] = {"json": p.json_schema}
        return "/completions", body

    def _post(
        self, transport: httpx.HTTPTransport, path: str, body: dict, chat: bool
    ) -> tuple[Result, int | None]:
        try:
            response = self._send(transport, "POST", self._urls[path], body)
        except httpx.TimeoutException as exc:
            raise _Transient(f"no answer within {self.timeout:g} s ({type(exc).__name__})") from exc
        except httpx.RequestError as exc:
            raise _Transient(f"connection failed: {type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if status in RETRY_STATUSES or status >= 500:
            raise _Transient(
                f"HTTP {status}: {_server_message(response)}",
                retry_after=_retry_after(response.headers.get("retry-after")),
            )
        if status >= 400:
            raise _Permanent(f"HTTP {status}: {_server_message(response)}")
        try:
            return self._parse(response.json(), chat)
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise _Transient(f"malformed response ({exc}): {response.text[:200]!r}") from exc

    @staticmethod
    def _parse(data: dict, chat: bool) -> tuple[Result, int | None]:
        choices = sorted(data["choices"], key=lambda choice: choice.get("index", 0))
        if not choices:
            raise ValueError("no choices")
        texts = [(c["message"]["content"] or "") if chat else c["text"] for c in choices]
        reasons = [choice.get("finish_reason") or "unknown" for choice in choices]
        if failed := FAILED_FINISH_REASONS.intersection(reasons):
            return Result.failed(f"server finished with {sorted(failed)}"), None
        usage = data.get("usage") or {}
        details = usage.get("prompt_tokens_details") or {}
        result = Result(
            texts=texts,
            finish_reasons=reasons,
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
        )
        return result, details.get("cached_tokens")

    def close(self) -> None:
        for _ in range(self.concurrency):  # each worker closes its connection on the way out
            self._batches.put(None)
