"""A real HTTP server on 127.0.0.1 speaking OpenAI's chat-completions protocol, scripted per test.

It stands in for a remote, paid API: the openai SDK talks to it over a real socket, so
retries, timeouts and status codes go through the same code as in production.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlmodel import Session

from studio.core.database import get_engine
from tests.people import add_people


@dataclass
class Reply:
    """One scripted answer: HTTP status, the assistant's content (or a raw body), headers, delay."""

    content: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    body: dict[str, Any] | None = None
    finish_reason: str = "stop"


def completion(content: str, model: str, finish_reason: str = "stop") -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


@dataclass
class ChatServer:
    """Scripted replies are served in order; when none is left, ``default`` is served."""

    url: str
    default: Reply
    script: list[Reply] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_reply(self, body: dict[str, Any], headers: dict[str, str]) -> Reply:
        with self.lock:
            self.requests.append(body)
            self.headers.append(headers)
            return self.script.pop(0) if self.script else self.default


@pytest.fixture
def chat_server() -> Iterator[ChatServer]:
    state: dict[str, ChatServer] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            server = state["server"]
            reply = server.next_reply(body, {k.lower(): v for k, v in self.headers.items()})
            if not self.path.endswith("/chat/completions"):
                reply = Reply(status=404, body={"error": {"message": f"no route {self.path}"}})
            time.sleep(reply.delay_s)
            if reply.body is not None:
                payload = reply.body
            elif reply.status == 200:
                payload = completion(
                    reply.content, body.get("model", "test-model"), reply.finish_reason
                )
            else:
                payload = {
                    "error": {"message": f"scripted {reply.status}", "type": "test", "code": None}
                }
            data = json.dumps(payload).encode()
            try:
                self.send_response(reply.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test): nothing to answer

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    server = ChatServer(url=f"http://127.0.0.1:{httpd.server_address[1]}/v1", default=Reply())
    state["server"] = server
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def people_env(studio_env: dict[str, str]) -> dict[str, str]:
    """``studio_env`` with the test accounts (cara: creative, bea: brand manager, ada: admin...)."""
    with Session(get_engine(studio_env["STUDIO_DATABASE_URL"]), expire_on_commit=False) as session:
        add_people(session)
    return studio_env
