"""A tiny OpenAI-compatible completions server on 127.0.0.1 for `script2rp chat` tests.

It counts a token as 4 characters, refuses prompts that do not fit its context (HTTP 400 with
vLLM's "maximum context length" message), honours `stop` like a real server (the answer is cut
before the first stop string) and records every request body. Reply k (from 1) is
`"Reply k." ...` followed by an NPC's turn and then the user's turn, which the stop strings cut.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler

from tests.local_server import LocalServer


class ChatServer(LocalServer):
    def __init__(self, *, context: int = 4096, user: str = "Owen"):
        self.context, self.user = context, user
        self.bodies: list[dict] = []
        self._lock = threading.Lock()
        self._serve(_handler(self))

    def answer(self, k: int) -> str:
        return (f' "Reply {k}." She smiles.\n\nHarbourmaster: "Move along, you two."\n\n'
                f'{self.user}: "This line is the user\'s and must be cut."')


def _handler(server: ChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, payload: dict) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == "/v1/models":
                return self._send(200, {"object": "list", "data": [
                    {"id": "fake-rp", "object": "model", "max_model_len": server.context}]})
            self._send(404, {"error": {"message": "not found"}})

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            if self.path != "/v1/completions":
                return self._send(404, {"error": {"message": "not found"}})
            with server._lock:
                server.bodies.append(body)
                k = sum(1 for b in server.bodies if "rejected" not in b)
            prompt_tokens = len(body["prompt"]) // 4 + 1
            if prompt_tokens + body["max_tokens"] > server.context:
                body["rejected"] = True
                return self._send(400, {"error": {"message": (
                    f"This model's maximum context length is {server.context} tokens. However, you requested "
                    f"{prompt_tokens + body['max_tokens']} tokens."), "type": "BadRequestError", "code": 400}})
            text = server.answer(k)
            for stop in body.get("stop") or []:
                if stop in text:
                    text = text[: text.index(stop)]
            self._send(200, {"id": f"cmpl-{k}", "object": "text_completion", "model": body["model"],
                             "choices": [{"index": 0, "text": text, "finish_reason": "stop"}],
                             "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(text) // 4,
                                       "total_tokens": prompt_tokens + len(text) // 4}})

    return Handler
