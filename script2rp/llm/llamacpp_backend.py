"""In-process llama.cpp backend: GGUF models on a laptop CPU, through llama-cpp-python.

The laptop path: no GPU, no server. One `llama_cpp.Llama` per run answers the requests one at a
time (llama-cpp-python has no batch scheduler; its threads already use every core), and each
answer is handed to the engine's cache the moment it exists, like the other backends do.

- Text prompts go through `create_completion`, chat messages through `create_chat_completion`,
  which renders them with the chat template stored in the GGUF file.
- `n` > 1 samples the request `n` times, with seeds `seed`, `seed + 1`, ...: the first sample of
  `n=3` is the answer to `n=1` with the same seed.
- A request without a seed draws one from a generator seeded by the backend's `seed` (default 0),
  so a run is repeatable as a whole; the cache keeps whatever it answered.
- `SamplingParams.json_schema` constrains decoding with a llama.cpp grammar built from the schema
  (`LlamaGrammar.from_json_schema`), for text and chat alike: the output is JSON that follows the
  schema's structure, properties in schema order, unless `max_tokens` cuts it (finish_reason
  "length", so `Result.truncated` says so).
- `SamplingParams.distinct` keeps the values of the named JSON keys from repeating within an
  answer (see `distinct.py`): what a grammar from a schema cannot express.
- Sampling is plain temperature + top-p, like vLLM's defaults: llama.cpp's own extras (top-k 40,
  min-p 0.05) are switched off so a request means the same thing on every backend.
- Same seed, same text, whatever ran before: by default every prompt is evaluated from scratch.
  llama.cpp can instead reuse the KV cache for the prefix a prompt shares with the previous one
  (`reuse_prefix=True`, faster for long shared instructions), but a prompt evaluated in pieces gets
  slightly different logits than one evaluated whole, so sampled answers then depend on the order
  of requests. The tokens it skipped are reported as prefix-cache hits.

The default model (`model=None`) is the embedded SmolLM2-135M-Instruct (see `embedded.py`).
"""

from __future__ import annotations

import ctypes
import json
import os
import random
import re
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import BadInput, MissingDependency
from .backend import FAILED_FINISH_REASONS, Backend, BackendConfig, Capabilities, Outcome
from .cache import canonical_json
from .distinct import DistinctValues, max_lengths, piece_ids, quote_pieces
from .embedded import MODEL_ID, default_model_path
from .types import Request, Result, SamplingParams

_SEED_SPACE = 0xFFFFFFFF  # llama.cpp seeds are uint32; 0xFFFFFFFF itself means "random"

# Neutral settings for llama.cpp's extra samplers (its defaults are top_k=40, min_p=0.05).
_NEUTRAL = {"top_k": 0, "min_p": 0.0, "typical_p": 1.0, "repeat_penalty": 1.0}


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def token_pieces(llm: Any) -> list[bytes]:
    """Every token's bytes, by id. Not `Llama.detokenize`: its fixed 32-byte buffer garbles
    longer tokens (runs of spaces or `=` in many vocabularies)."""
    llama_cpp = _import_llama_cpp()
    vocab = llm._model.vocab
    buffer = ctypes.create_string_buffer(64)
    pieces = []
    for token in range(llm.n_vocab()):
        size = llama_cpp.llama_token_to_piece(vocab, token, buffer, len(buffer), 0, False)
        if size < 0:  # too small: the call says how much it needs
            buffer = ctypes.create_string_buffer(-size)
            size = llama_cpp.llama_token_to_piece(vocab, token, buffer, len(buffer), 0, False)
        pieces.append(buffer.raw[:size])
    return pieces


def _import_llama_cpp() -> Any:
    try:
        import llama_cpp
    except ImportError as exc:
        raise MissingDependency("the llamacpp backend", "llamacpp", "llama-cpp-python") from exc
    return llama_cpp


# JSON forbids raw control characters in strings; llama-cpp-python's converter allows them, and a
# small model does write raw newlines, which `json.loads` then rejects. (Upstream llama.cpp's own
# converter uses this rule.)
_JSON_CHAR = (
    r'[^"\\\x7F\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F] [0-9a-fA-F] [0-9a-fA-F] '
    r'[0-9a-fA-F])'
)


_GBNF_ESCAPES = {"\r": "\\r", "\n": "\\n", '"': '\\"', "\\": "\\\\"}


def _bounded_repetition(nested: Any) -> Any:
    """llama-cpp-python writes `x{0,400}` as 400 nested optional groups, and llama.cpp's grammar
    parser recurses once per level: a `maxLength` of a few hundred crashes the process (stack
    overflow). llama.cpp's GBNF has had the `{m,n}` operator since 2024; use it for long runs."""

    def build(item_rule, min_items, max_items, separator_rule=None, item_rule_is_literal=False):
        if separator_rule or max_items is None or max_items - min_items <= 8:
            return nested(item_rule, min_items, max_items, separator_rule, item_rule_is_literal)
        return f"({item_rule}){{{min_items},{max_items}}}"

    return build


def schema_to_gbnf(schema: dict) -> str:
    """A llama.cpp grammar for JSON that follows `schema`: llama-cpp-python's converter, plus
    what it leaves out and our schemas use.

    - strings may not hold raw control characters (see `_JSON_CHAR`).
    - long bounded repetitions (`maxLength`, patterns) use GBNF's `{m,n}` (see `_bounded_repetition`).
    - literals escape backslashes (a `const` string with a quote in it).
    """
    from llama_cpp import llama_grammar

    class Converter(llama_grammar.SchemaConverter):
        def _format_literal(self, literal: str) -> str:
            # The stock method leaves backslashes alone, so a `const` string holding a quote (JSON
            # `\"`) ends the GBNF literal early and llama.cpp rejects the whole grammar.
            escaped = re.sub(r'[\r\n"\\]', lambda m: _GBNF_ESCAPES[m.group(0)], literal)
            return f'"{escaped}"'

    converter = Converter(prop_order={}, allow_fetch=False, dotall=False, raw_pattern=False)
    nested = llama_grammar._build_repetition
    llama_grammar._build_repetition = _bounded_repetition(nested)
    try:
        converter.visit(converter.resolve_refs(json.loads(json.dumps(schema)), "schema"), "")
    finally:
        llama_grammar._build_repetition = nested
    if "char" in converter._rules:
        converter._rules["char"] = _JSON_CHAR
    return converter.format_grammar()


class MissingModelFile(BadInput, FileNotFoundError):
    """`--model` names no file (exit 2)."""


class _Tokenizer:
    """llama.cpp's tokenizer behind the one method callers use."""

    def __init__(self, llm: Any):
        self._llm = llm

    def encode(self, text: str) -> list[int]:
        return self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)


class LlamaCppBackend(Backend):
    name = "llamacpp"
    # The GGUF's own chat template: small instruct models follow nothing else. Not on Ray: one
    # llama.cpp instance already uses every core of its machine, so replicas would only contend.
    capabilities = Capabilities(json_schema=True, structured_by_default=True, distinct=True,
                                prompt_format="chat", engines=("local",), shape="compact")

    @classmethod
    def open(cls, config: BackendConfig) -> LlamaCppBackend:
        return cls(config.model, **config.options)

    @classmethod
    def served_model(cls, config: BackendConfig) -> str:
        return str(config.model) if config.model else MODEL_ID

    def __init__(
        self,
        model: str | os.PathLike | None = None,
        *,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        seed: int = 0,
        reuse_prefix: bool = False,
        **llama_kwargs: Any,
    ):
        """`model`: path of a GGUF file, None for the embedded SmolLM2-135M-Instruct.
        `n_ctx`: context length (prompt + answer) in tokens; `n_threads`: CPU threads (default:
        every core this process may use); `seed`: seeds the requests that bring none;
        `reuse_prefix`: keep the KV cache of the shared prefix between requests (see above).
        Other keyword arguments go to `llama_cpp.Llama` (e.g. `n_gpu_layers=-1` on a Mac)."""
        llama_cpp = _import_llama_cpp()
        if model is None:
            path = default_model_path()
            self.model = MODEL_ID  # the cache key: the same on every machine
        else:
            path = Path(model).expanduser()
            if not path.is_file():
                raise MissingModelFile(f"the llamacpp backend needs a GGUF file; none at {path}")
            self.model = str(model)
        self.path = path
        threads = n_threads or _cpu_count()
        self._grammar_type = llama_cpp.LlamaGrammar
        self._grammars: dict[str, Any] = {}
        self._processors = llama_cpp.LogitsProcessorList
        self._pieces: list[bytes] | None = None  # token bytes, for `distinct`
        self._quotes: list[tuple[int, bytes]] = []
        self._ids: dict[bytes, list[int]] = {}
        self._seeds = random.Random(seed)
        self.reuse_prefix = reuse_prefix
        self._busy = threading.Lock()
        started = time.perf_counter()
        self._llm = llama_cpp.Llama(
            model_path=str(path),
            n_ctx=n_ctx,
            n_threads=threads,
            n_threads_batch=threads,
            seed=seed % _SEED_SPACE,
            verbose=False,
            **llama_kwargs,
        )
        self.load_seconds = time.perf_counter() - started
        self.n_ctx = self._llm.n_ctx()

    def __repr__(self) -> str:
        return f"LlamaCppBackend({self.model!r})"

    def context_length(self) -> int | None:
        return self.n_ctx

    def tokenizer(self) -> _Tokenizer:
        return _Tokenizer(self._llm)

    def chat_template(self) -> str | None:
        return self._llm.metadata.get("tokenizer.chat_template")

    def stream(self, requests: Sequence[Request], label: str = "") -> Iterator[list[Outcome]]:
        for index, request in enumerate(requests):
            with self._busy:  # one llama.cpp context: callers on other threads take turns
                outcome = self._answer(index, request)
            yield [outcome]

    def _answer(self, index: int, request: Request) -> Outcome:
        params = request.params
        base = self._seeds.randrange(_SEED_SPACE) if params.seed is None else params.seed
        texts: list[str] = []
        reasons: list[str] = []
        prompt_tokens = completion_tokens = 0
        cached_tokens: int | None = None
        try:
            options = self._options(params)
            for sample in range(params.n):
                if not self.reuse_prefix:
                    self._llm.reset()  # evaluate the whole prompt: the same logits every time
                before = self._evaluated_tokens()
                options["seed"] = (base + sample) % _SEED_SPACE
                if params.distinct:
                    options["logits_processor"] = self._processors([self._distinct(params)])
                if request.messages is not None:
                    answer = self._llm.create_chat_completion(
                        messages=request.messages, **options
                    )
                    choice = answer["choices"][0]
                    text = choice["message"].get("content") or ""
                else:
                    answer = self._llm.create_completion(prompt=request.prompt, **options)
                    choice = answer["choices"][0]
                    text = choice["text"]
                usage = answer.get("usage") or {}
                texts.append(text)
                reasons.append(str(choice.get("finish_reason") or "unknown"))
                completion_tokens += int(usage.get("completion_tokens") or 0)
                if sample == 0:
                    prompt_tokens = int(usage.get("prompt_tokens") or 0)
                    cached_tokens = self._reused_tokens(before, prompt_tokens)
        except Exception as exc:  # one bad request (too long, bad schema) must not sink the batch
            return Outcome(index, Result.failed(f"llama.cpp: {type(exc).__name__}: {exc}"))
        if failed := FAILED_FINISH_REASONS.intersection(reasons):
            return Outcome(index, Result.failed(f"llama.cpp finished with {sorted(failed)}"))
        result = Result(
            texts=texts,
            finish_reasons=reasons,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
        )
        return Outcome(index, result, cached_prompt_tokens=cached_tokens)

    def _options(self, params: SamplingParams) -> dict[str, Any]:
        options: dict[str, Any] = {
            "max_tokens": params.max_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "stop": list(params.stop),
            **_NEUTRAL,
            "presence_penalty": params.presence_penalty,
            "frequency_penalty": params.frequency_penalty,
        }
        if params.json_schema is not None:
            options["grammar"] = self._grammar(params.json_schema)
        return options

    def _distinct(self, params: SamplingParams) -> DistinctValues:
        if self._pieces is None:
            self._pieces = token_pieces(self._llm)
            self._quotes = quote_pieces(self._pieces)
            self._ids = piece_ids(self._pieces)
        return DistinctValues(params.distinct, self._pieces, self._quotes, self._ids,
                              max_lengths(params.json_schema, params.distinct))

    def _grammar(self, schema: dict) -> Any:
        key = canonical_json(schema)
        grammar = self._grammars.get(key)
        if grammar is None:
            text = schema_to_gbnf(schema)
            self._check_grammar(text)
            grammar = self._grammars[key] = self._grammar_type.from_string(text, verbose=False)
        return grammar

    def _check_grammar(self, text: str) -> None:
        """llama.cpp reports a grammar it cannot parse only on stderr and then crashes the process
        when sampling with it; build it once here so that the request fails alone instead."""
        llama_cpp = _import_llama_cpp()
        try:
            vocab = self._llm._model.vocab
        except AttributeError:  # another llama-cpp-python layout: leave it to llama.cpp
            return
        sampler = llama_cpp.llama_sampler_init_grammar(vocab, text.encode("utf-8"), b"root")
        if not sampler:
            raise ValueError("llama.cpp rejected the grammar made from the JSON schema")
        llama_cpp.llama_sampler_free(sampler)

    def _evaluated_tokens(self) -> list[int] | None:
        """The tokens whose KV entries llama.cpp holds now (what the next prompt may reuse)."""
        try:
            return list(self._llm._input_ids[: self._llm.n_tokens])
        except Exception:  # a private attribute: report nothing rather than fail
            return None

    def _reused_tokens(self, before: list[int] | None, prompt_tokens: int) -> int | None:
        """How many prompt tokens llama.cpp took from its KV cache instead of evaluating them:
        the prefix shared with what it held before, less the last token, which it always re-runs
        to get fresh logits."""
        after = self._evaluated_tokens()
        if before is None or after is None or not prompt_tokens:
            return None
        shared = 0
        for old, new in zip(before, after[:prompt_tokens]):
            if old != new:
                break
            shared += 1
        return max(0, min(shared, prompt_tokens - 1))

    def close(self) -> None:
        llm, self._llm = getattr(self, "_llm", None), None
        if llm is not None and hasattr(llm, "close"):
            llm.close()
