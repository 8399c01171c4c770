"""Build a tiny random-weight Mistral model and BPE tokenizer at test time.

No model can be downloaded here, and vLLM only needs a real architecture and tokenizer to exercise
every engine path (batching, sampling, stop strings, chat templates, the OpenAI server); the output
is gibberish, which the tests never rely on.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# A chat template of our own, so tests can tell it was applied (the rendered prompt's token count).
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}</s>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)

_CORPUS = [
    "INT. KITCHEN - NIGHT. Jon opens the fridge and stares at the empty shelves.",
    "Jon: Where did all the food go? Mary: Ask your brother, he was here all day.",
    "EXT. PARKING LOT - DAY. A car screeches to a halt; Mary steps out, furious.",
    "<|prompter|>Summarise the scene in one sentence.</s><|assistant|>",
    '{"name": "Jon", "traits": ["hungry", "suspicious"], "age": 34}',
]


def build_tiny_model(path: Path) -> Path:
    """Write model weights, config and tokenizer (with chat template) to `path`; return it."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import MistralConfig, MistralForCausalLM, PreTrainedTokenizerFast

    path.mkdir(parents=True, exist_ok=True)
    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=1024,
        special_tokens=["<unk>", "<s>", "</s>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    bpe.train_from_iterator(_CORPUS * 50, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, bos_token="<s>", eos_token="</s>", unk_token="<unk>"
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(path)

    torch.manual_seed(0)
    config = MistralConfig(
        vocab_size=1024,
        hidden_size=128,
        intermediate_size=256,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=64,  # vLLM's CPU attention rejects small head sizes such as 16
        max_position_embeddings=2048,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=False,
    )
    MistralForCausalLM(config).save_pretrained(path)
    return path


@contextmanager
def serve(model_dir: Path, log_path: Path) -> Iterator[str]:
    """vLLM's own OpenAI-compatible server for the tiny model on a free 127.0.0.1 port (served as
    "tiny", 1,024-token context); yields its base URL and stops it, engine process included."""
    import httpx
    import pytest

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", str(model_dir),
        "--host", "127.0.0.1", "--port", str(port), "--dtype", "float32", "--max-model-len", "1024",
        "--enforce-eager", "--gpu-memory-utilization", "0.2", "--served-model-name", "tiny",
        # Seeded requests with a prefill split over two steps kill vLLM 0.32's CPU engine.
        "--no-enable-chunked-prefill",
    ]
    with log_path.open("w") as log:
        # Its own session, so teardown can stop the server and the engine process it spawns.
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 300
        while True:
            if server.poll() is not None:
                pytest.fail(f"vLLM server exited:\n{log_path.read_text()[-4000:]}")
            try:
                if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"vLLM server not up after 300 s:\n{log_path.read_text()[-4000:]}")
            time.sleep(1)
        yield base_url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
