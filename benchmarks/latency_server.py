"""An OpenAI-compatible completions server that answers every request after exactly L seconds,
for the throughput benchmarks (llm_throughput.py, ray_scaling.py).

A raw asyncio HTTP/1.1 server in its own process: it never competes with the client for the GIL
and serves any number of concurrent keep-alive connections without becoming the bottleneck.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection

_ANSWER = json.dumps({
    "choices": [{"index": 0, "text": "a fixed answer", "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 4, "completion_tokens": 3},
}).encode()
_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
    len(_ANSWER), _ANSWER)


async def _answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, latency: float) -> None:
    """Answer each request on a keep-alive connection `latency` seconds after it arrived."""
    loop = asyncio.get_running_loop()
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            due = loop.time() + latency
            length = 0
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            await asyncio.sleep(due - loop.time())
            writer.write(_RESPONSE)
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def _serve(latency: float, ready: Connection) -> None:
    async def main() -> None:
        server = await asyncio.start_server(lambda r, w: _answer(r, w, latency), "127.0.0.1", 0, backlog=4096)
        ready.send(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(main())


@contextmanager
def fixed_latency_server(latency: float) -> Iterator[str]:
    """Start the server; yield its base URL (`http://127.0.0.1:PORT/v1`); stop it."""
    receive, send = multiprocessing.Pipe(duplex=False)
    server = multiprocessing.Process(target=_serve, args=(latency, send), daemon=True)
    server.start()
    try:
        yield f"http://127.0.0.1:{receive.recv()}/v1"
    finally:
        server.terminate()
