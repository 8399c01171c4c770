"""An OpenAI-compatible HTTP server on 127.0.0.1 that answers the builder's prompts by rule, with
latency and injected faults, for whole-build tests without a GPU.

It speaks the real wire protocol (`/v1/models`, `/v1/completions`, `/v1/chat/completions`), so the
builder's real client, retries and cache are what gets tested. Answers are a function of the
prompt and the seed only, so two builds get the same answers whatever the order or the timing:

- scene prompts get a transcript made from the screenplay text in the prompt (every speech kept);
- card prompts get a valid YAML card of cinematika's size for the name asked; summaries, memories
  and requests get fixed sentences that pass their validators;
- a request that carries a JSON schema (`--structured`) gets JSON the schema allows, every list and
  string at the largest size the build allows;
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
from http.server import BaseHTTPRequestHandler

from tests.local_server import LocalServer

FAULTS = ("500", "429", "badjson", "drop")


def _unit(*parts: object) -> float:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def answer(prompt: str, seed: int, bad_rate: float = 0.0, schema: dict | None = None,
           defect_rate: float = 0.0) -> str:
    """The answer to a builder's prompt: JSON at the largest sizes the build allows when the request
    carries a schema, else free text. `bad_rate` of (prompt, seed) pairs get a wrong answer, and
    `defect_rate` of them a subtly broken one (a cut string, a quote inside a quote, a bare
    fragment), which a validator must catch."""
    if _unit("bad", prompt, seed) < bad_rate:
        return _bad(prompt)
    text = json.dumps(from_schema(schema)) if schema is not None else _free(prompt)
    if _unit("defect", prompt, seed) < defect_rate:
        return _defect(text, int(_unit("which", prompt, seed) * 3))
    return text


def _bad(prompt: str) -> str:
    if "Roleplay transcript" in prompt:
        return "INT. NOWHERE - DAY\nJOHN: hello"
    if "Character card for " in prompt:
        return "I cannot write that card."
    return "Short." if "Scenario" in prompt else "" if "Memory" in prompt else "No."


def _defect(text: str, which: int) -> str:
    """One of the defects `script2rp check` names: a string cut mid-word, nested quotes, a fragment."""
    if which == 0:  # the last sentence stops mid-way (in JSON: the last string value)
        return re.sub(r'\.("\s*[\]}]*\s*)$', r' and th\1', text) if text.startswith("{") else text + " And th"
    if which == 1:
        return text.replace(': "', ': ""', 1) if not text.startswith("{") else text.replace('"says": "', '"says": "\\"', 1)
    return "Mara\n\n" + text if not text.startswith("{") else text.replace('"opening": "', '"opening": "][', 1)


def _free(prompt: str) -> str:
    tail = prompt.rstrip()
    if tail.endswith("Roleplay transcript:"):
        return _transcript(prompt)
    if "Character card for " in prompt:
        return _card(re.findall(r"Character card for (.+?):", prompt)[-1])
    if tail.endswith("Scenario:"):
        return ("The characters meet in a tense place. Each of them wants something the other has. "
                "The scene ends with that still unsettled.")
    if tail.endswith("Memory:"):
        return "They met and argued about what each of them owed. Nothing was settled."
    if tail.endswith("Request:"):
        name = re.search(r"^name: (.+)$", prompt, re.MULTILINE)
        who = name.group(1).strip() if name else "the character"
        return f"Create a character card for {who}, drawn from how they speak and act in the film."
    return "I do not understand."


def _transcript(prompt: str) -> str:
    """Every speech of the scene as a turn (quotes inside it single), the action as narration."""
    scene = prompt.split("Screenplay scene:", 1)[1].rsplit("Roleplay transcript:", 1)[0]
    out = ["The scene opens on the place the screenplay names, and the people in it."]
    for para in re.split(r"\n\s*\n", scene.strip()):
        lines = [line.strip() for line in para.splitlines() if line.strip()]
        if not lines:
            continue
        first = lines[0]
        if re.match(r"^(INT|EXT|I/E|EST)[. ]", first) or first.endswith("TO:"):
            continue
        if len(lines) > 1 and first.upper() == first and re.search(r"[A-Z]", first):
            name = re.sub(r"\s*\(.*?\)\s*", "", first).strip().title()
            speech = " ".join(line for line in lines[1:] if not line.startswith("(")).replace('"', "'")
            out.append(f'{name}: "{speech}" {name} waits for an answer.')
        else:
            out.append(" ".join(lines).rstrip(".!?,;:-") + ".")
    return "\n\n".join(out)


def _card(name: str) -> str:
    """A card at the cinematika shape's sizes: 10 traits, 3 paragraphs, 6 lines of dialogue."""
    sentence = f"{name} shows it in how they speak, in what they choose to do and in what they leave unsaid."
    traits = "\n".join(f"  {trait}: {sentence}" for trait in TRAITS[:10])
    paragraph = (f"{name} is a character of the film, seen here through the scenes they share with the others. "
                 * 3).strip()
    description = "\n\n".join(f"  {paragraph}" for _ in range(3))
    dialogue = "\n".join(f'  {who}: "Line {n} of the example." {"They pause." if who == name else ""}'.rstrip()
                          for n, who in enumerate([name, "{{user}}"] * 3))
    return (f"name: {name}\ncharacteristics:\n{traits}\ndescription: |\n{description}\n"
            f"example_dialogue: |\n{dialogue}\n")


TRAITS = ["Brave", "Wary", "Proud", "Stubborn", "Kind", "Sharp", "Loyal", "Restless", "Private", "Warm", "Dry",
          "Patient", "Reckless", "Curious"]
WORDS = "the tide turns slowly and the lamp burns low over the quay while the gulls circle the harbour wall".split()


def _words(chars: int) -> str:
    """A sentence of about `chars` characters (at most), starting with a capital, ending with a full stop."""
    text, n = "", 0
    while len(text) + len(WORDS[n % len(WORDS)]) + 2 < chars:
        text += (" " if text else "") + WORDS[n % len(WORDS)]
        n += 1
    return (text or "It ends").capitalize() + "."


def from_schema(schema: dict, key: str = "", path: tuple = (), defs: dict | None = None) -> object:
    """JSON that `schema` allows, every list at its longest and every string at the longest the
    schema or the cinematika shape allows (the build's validators hold sizes the schema leaves open).
    A `$ref` is followed into the root's `$defs`; of an `anyOf`, the first branch is taken."""
    from script2rp.tasks.shapes import CINEMATIKA as SHAPE

    if defs is None:
        defs = schema.get("$defs", {})
    if "$ref" in schema:
        return from_schema(defs[schema["$ref"].removeprefix("#/$defs/")], key, path, defs)
    if "anyOf" in schema:
        return from_schema(schema["anyOf"][0], key, path, defs)
    if "const" in schema:
        return schema["const"]
    if schema.get("type") == "object":
        return {k: from_schema(v, k, path + (key,), defs) for k, v in schema["properties"].items()}
    if schema.get("type") == "array":
        if "prefixItems" in schema:
            items = schema["prefixItems"][: schema.get("maxItems", len(schema["prefixItems"]))]
            return [from_schema(item, key, path + (key,), defs) for item in items]
        count = schema.get("maxItems", 3)
        if key == "characteristics":
            return [{"trait": TRAITS[i], "text": _words(SHAPE.trait_chars[1])} for i in range(count)]
        return [from_schema(schema["items"], key, path + (key,), defs) for _ in range(count)]
    if "maxLength" in schema:
        return _words(schema["maxLength"])
    pattern = schema.get("pattern", "")
    if key == "request":
        first = re.search(r"[+}](.+?)\[\^", pattern)  # the name between the two free runs
        name = re.sub(r"\\(.)", r"\1", first.group(1)) if first else "them"
        return f"Create a character card for {name}, as the film shows them."
    if pattern:
        return _words(150)
    if "characteristics" in path or key == "text":
        return _words(SHAPE.trait_chars[1])
    if key == "description":
        low, high = SHAPE.description_paragraphs
        return _words((SHAPE.description_chars[1] - 2 * (high - 1)) // high)
    if "example_dialogue" in path:
        return _words(SHAPE.line_chars)
    return _words(SHAPE.narration_chars)


class RPServer(LocalServer):
    def __init__(self, *, latency: float = 0.0, fault_rate: float = 0.0, bad_rate: float = 0.0,
                 defect_rate: float = 0.0):
        self.latency, self.fault_rate, self.bad_rate = latency, fault_rate, bad_rate
        self.defect_rate = defect_rate
        self.attempts: Counter[str] = Counter()  # per (prompt, seed)
        self.faults: Counter[str] = Counter()
        self.answered = 0
        self._lock = threading.Lock()
        self._serve(_handler(self))

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
            schema = (body.get("structured_outputs") or {}).get("json") or (
                (body.get("response_format") or {}).get("json_schema") or {}).get("schema")
            text = answer(prompt, seed, server.bad_rate, schema, server.defect_rate)
            choice = {"index": 0, "finish_reason": "stop"}
            choice.update({"message": {"role": "assistant", "content": text}} if chat else {"text": text})
            usage = {"prompt_tokens": len(prompt.split()), "completion_tokens": len(text.split())}
            with server._lock:
                server.answered += 1
            self._send(200, json.dumps({"choices": [choice], "usage": usage, "model": "rule-writer"}).encode())

    return Handler


if __name__ == "__main__":  # a server for a build run by hand: python -m tests.pipeline.rp_server
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--latency", type=float, default=0.0)
    ap.add_argument("--fault-rate", type=float, default=0.0)
    ap.add_argument("--bad-rate", type=float, default=0.0)
    a = ap.parse_args()
    s = RPServer(latency=a.latency, fault_rate=a.fault_rate, bad_rate=a.bad_rate)
    print(s.base_url, flush=True)
    threading.Event().wait()
