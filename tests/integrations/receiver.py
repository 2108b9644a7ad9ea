"""A webhook receiver the test starts: a real HTTP server on 127.0.0.1 that
keeps every request and answers as told."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    # event type -> status codes to answer, in turn, to the first message of
    # that type (its webhook-id), before answering it 200.
    failures: dict[str, list[int]] = field(default_factory=dict)
    failing_ids: dict[str, str] = field(default_factory=dict)
    # Answer this to every request (for an endpoint that is down).
    always: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, predicate, *, timeout: float = 60.0) -> list[Received]:
        """Wait until ``predicate(requests)`` is true; the requests then."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                seen = list(self.requests)
            if predicate(seen):
                return seen
            time.sleep(0.1)
        raise AssertionError(f"The receiver got only {len(seen)} requests: {seen!r}")


def start_receiver() -> tuple[Receiver, ThreadingHTTPServer]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                event_type = json.loads(body).get("type", "")
            except ValueError:
                event_type = ""
            message_id = self.headers.get("webhook-id", "")
            with state.lock:
                if event_type in state.failures:
                    state.failing_ids.setdefault(event_type, message_id)
                failing = state.failing_ids.get(event_type) == message_id
                planned = (state.failures.get(event_type) or []) if failing else []
                status = state.always or (planned.pop(0) if planned else 200)
                state.requests.append(Received(self.path, dict(self.headers.items()), body, status))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/mis"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return state, server
