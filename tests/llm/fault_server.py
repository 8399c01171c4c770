"""A local OpenAI-compatible server that misbehaves on request, for the engine's resilience tests.

Each prompt (or last chat message) scripts the server's answers to its successive attempts:
"q07 script=500,drop,ok" gets a 500, then a dropped connection, then an answer; the last item
repeats. Items: ok, length (answer cut by max_tokens), 400, 500, 503, 429 (with Retry-After),
stall (answer only after `stall` seconds), drop (close without answering), badjson. Every hit is
counted per prompt, so tests can check that nothing was lost, duplicated or retried needlessly.
The answer to prompt P is "echo:P/i" for choice i.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_SCRIPT = re.compile(r"script=(\S+)")


class FaultServer:
    def __init__(self, *, latency: float = 0.0, stall: float = 1.5, retry_after: str = "1"):
        self.latency = latency
        self.stall = stall
        self.retry_after = retry_after
        self.hits: Counter[str] = Counter()
        self.hit_times: dict[str, list[float]] = {}
        self.bodies: list[dict] = []
        self.auth_headers: list[str | None] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _make_handler(self))
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def reset(self) -> None:
        with self._lock:
            self.hits.clear()
            self.hit_times.clear()
            self.bodies.clear()
            self.auth_headers.clear()
            self.max_in_flight = 0

    def total_hits(self) -> int:
        with self._lock:
            return sum(self.hits.values())

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _arrive(self, key: str, body: dict, auth: str | None) -> str:
        """Count the hit; return the scripted behaviour for this attempt."""
        with self._lock:
            self.hits[key] += 1
            self.hit_times.setdefault(key, []).append(time.monotonic())
            self.bodies.append(body)
            self.auth_headers.append(auth)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            attempt = self.hits[key]
        match = _SCRIPT.search(key)
        script = match.group(1).split(",") if match else ["ok"]
        return script[min(attempt, len(script)) - 1]

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 drops connects (1 s SYN retry) when many reconnect

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that time out, or are killed, reset their connections: expected here


def _make_handler(server: FaultServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like real servers

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(self, status: int, payload: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
            self._send(status, json.dumps({"error": {"message": message}}).encode(), headers)

        def do_GET(self) -> None:
            self._send(200, json.dumps({"data": [{"id": "fake"}]}).encode())

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            chat = self.path.endswith("/chat/completions")
            key = body["messages"][-1]["content"] if chat else body["prompt"]
            action = server._arrive(key, body, self.headers.get("Authorization"))
            try:
                self._act(action, key, body, chat)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (stall) or was killed
            finally:
                server._leave()

        def _act(self, action: str, key: str, body: dict, chat: bool) -> None:
            time.sleep(server.latency)
            if action == "drop":
                self.close_connection = True
                return
            if action == "stall":
                time.sleep(server.stall)
            if action == "badjson":
                self._send(200, b'{"choices": [{"text": "unterminated')
            elif action in ("500", "503"):
                self._error(int(action), "internal hiccup")
            elif action == "429":
                self._error(429, "slow down", {"Retry-After": server.retry_after})
            elif action == "400":
                self._error(400, "prompt rejected by policy")
            else:
                reason = "length" if action == "length" else "stop"
                choices = []
                for index in range(body.get("n", 1)):
                    text = f"echo:{key}/{index}"
                    choice = {"index": index, "finish_reason": reason}
                    if chat:
                        choice["message"] = {"role": "assistant", "content": text}
                    else:
                        choice["text"] = text
                    choices.append(choice)
                usage = {"prompt_tokens": len(key.split()), "completion_tokens": 3 * len(choices)}
                self._send(200, json.dumps({"choices": choices, "usage": usage}).encode())

    return Handler
