"""An OpenAI-compatible HTTP server on 127.0.0.1 that answers the builder's prompts by rule, with
latency and injected faults, for whole-build tests without a GPU.

It speaks the real wire protocol (`/v1/models`, `/v1/completions`, `/v1/chat/completions`), so the
builder's real client, retries and cache are what gets tested. Answers are a function of the
prompt and the seed only, so two builds get the same answers whatever the order or the timing:

- scene prompts get a transcript made from the screenplay text in the prompt (every speech kept);
- card prompts get a valid YAML card for the name asked; summaries, memories and requests get
  fixed sentences that pass their validators;
- `bad_rate` of (prompt, seed) pairs get a wrong answer instead (a validator must catch it, and
  the re-ask, with another seed, usually gets a good one);
- `fault_rate` of first attempts per (prompt, seed) fail: 500, 429 with Retry-After, a broken
  JSON body or a dropped connection, in turn.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAULTS = ("500", "429", "badjson", "drop")


def _unit(*parts: object) -> float:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def answer(prompt: str, seed: int, bad_rate: float = 0.0) -> str:
    bad = _unit("bad", prompt, seed) < bad_rate
    if "Roleplay transcript:" in prompt:
        return "INT. NOWHERE - DAY\nJOHN: hello" if bad else _transcript(prompt)
    if "Character card for " in prompt:
        name = re.findall(r"Character card for (.+?):", prompt)[-1]
        return "I cannot write that card." if bad else _card(name)
    if prompt.rstrip().endswith("Scenario:"):
        return "Short." if bad else (
            "The characters meet in a tense place. Each of them wants something the other has. "
            "The scene ends with that still unsettled.")
    if prompt.rstrip().endswith("Memory:"):
        return "" if bad else "They met and argued about what each of them owed. Nothing was settled."
    if prompt.rstrip().endswith("Request:"):
        name = re.search(r"^name: (.+)$", prompt, re.MULTILINE)
        who = name.group(1).strip() if name else "the character"
        return "No." if bad else f"Create a character card for {who}, drawn from how they speak and act in the film."
    return "I do not understand."


def _transcript(prompt: str) -> str:
    scene = prompt.split("Screenplay scene:", 1)[1].rsplit("Roleplay transcript:", 1)[0]
    out = []
    for para in re.split(r"\n\s*\n", scene.strip()):
        lines = [line.strip() for line in para.splitlines() if line.strip()]
        if not lines:
            continue
        first = lines[0]
        if re.match(r"^(INT|EXT|I/E|EST)[. ]", first) or first.endswith("TO:"):
            continue
        if len(lines) > 1 and first.upper() == first and re.search(r"[A-Z]", first):
            name = re.sub(r"\s*\(.*?\)\s*", "", first).strip().title()
            speech = " ".join(line for line in lines[1:] if not line.startswith("("))
            out.append(f'{name}: "{speech}"')
        else:
            out.append(" ".join(lines))
    return "\n\n".join(out)


def _card(name: str) -> str:
    traits = "\n".join(f"  Trait {i}: {name} shows trait {i} in how they act." for i in range(1, 6))
    return (
        f"name: {name}\ncharacteristics:\n{traits}\ndescription: |\n  {name} is a character of the film.\n"
        f"example_dialogue: |\n  {{{{user}}}}: Hello.\n  {name}: Hello to you.\n"
    )


class RPServer:
    def __init__(self, *, latency: float = 0.0, fault_rate: float = 0.0, bad_rate: float = 0.0):
        self.latency, self.fault_rate, self.bad_rate = latency, fault_rate, bad_rate
        self.attempts: Counter[str] = Counter()  # per (prompt, seed)
        self.faults: Counter[str] = Counter()
        self.answered = 0
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def fault_for(self, key: str) -> str | None:
        with self._lock:
            self.attempts[key] += 1
            first = self.attempts[key] == 1
        if first and _unit("fault", key) < self.fault_rate:
            fault = FAULTS[int(_unit("kind", key) * len(FAULTS))]
            with self._lock:
                self.faults[fault] += 1
            return fault
        return None


def _handler(server: RPServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, payload: bytes, headers: dict | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            self._send(200, json.dumps({"object": "list", "data": [{"id": "rule-writer", "object": "model"}]}).encode())

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            chat = self.path.endswith("/chat/completions")
            prompt = "\n".join(m["content"] for m in body["messages"]) if chat else body["prompt"]
            prompt = prompt.removesuffix("</s><|assistant|>")  # the mistrallite wrapper
            seed = body.get("seed", 0)
            if server.latency:
                time.sleep(server.latency)
            fault = server.fault_for(f"{prompt}|{seed}")
            if fault == "500":
                return self._send(500, b'{"error": {"message": "injected"}}')
            if fault == "429":
                return self._send(429, b'{"error": {"message": "slow down"}}', {"Retry-After": "0"})
            if fault == "badjson":
                return self._send(200, b'{"choices": [')
            if fault == "drop":
                self.close_connection = True
                return
            text = answer(prompt, seed, server.bad_rate)
            choice = {"index": 0, "finish_reason": "stop"}
            choice.update({"message": {"role": "assistant", "content": text}} if chat else {"text": text})
            usage = {"prompt_tokens": len(prompt.split()), "completion_tokens": len(text.split())}
            with server._lock:
                server.answered += 1
            self._send(200, json.dumps({"choices": [choice], "usage": usage, "model": "rule-writer"}).encode())

    return Handler


if __name__ == "__main__":  # a server for a build run by hand or by the kill test
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--latency", type=float, default=0.0)
    ap.add_argument("--fault-rate", type=float, default=0.0)
    ap.add_argument("--bad-rate", type=float, default=0.0)
    a = ap.parse_args()
    s = RPServer(latency=a.latency, fault_rate=a.fault_rate, bad_rate=a.bad_rate)
    print(s.base_url, flush=True)
    threading.Event().wait()
