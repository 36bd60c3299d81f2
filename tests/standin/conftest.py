"""Fixtures for the stand-in's tests: a running stand-in, a real SDK client, a loopback webhook receiver."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from devtools.stripe_standin.testing import StandInHandle, running_standin

WEBHOOK_SECRET = "whsec_test_standin_suite"

# The shape the booking function sends: two delegate lines, £265.50 + £53.10 = £318.60.
VALID_SESSION: dict[str, Any] = {
    "mode": "payment",
    "currency": "gbp",
    "success_url": "https://events.example.org/api/bookings/confirmation?session_id={CHECKOUT_SESSION_ID}",
    "cancel_url": "https://events.example.org/events/safeguarding-2026/?booking=cancelled#book",
    "customer_email": "finance@example.org",
    "client_reference_id": "BK-7Q2M4X",
    "metadata": {"booking_ref": "BK-7Q2M4X", "event": "safeguarding-2026", "category": "nhs", "payment": "card"},
    "payment_intent_data": {
        "metadata": {"booking_ref": "BK-7Q2M4X", "event": "safeguarding-2026"},
        "description": "Booking BK-7Q2M4X for safeguarding-2026",
    },
    "line_items": [
        {
            "quantity": 1,
            "price_data": {
                "currency": "gbp",
                "unit_amount": 26550,
                "product_data": {"name": "Delegate place — NHS (first delegate)", "description": "Includes VAT at 20%"},
            },
        },
        {
            "quantity": 1,
            "price_data": {
                "currency": "gbp",
                "unit_amount": 5310,
                "product_data": {"name": "Delegate place — NHS (additional delegate, 15% off)"},
            },
        },
    ],
}


def valid_session() -> dict[str, Any]:
    return copy.deepcopy(VALID_SESSION)


class Receiver:
    """A loopback HTTP endpoint that records webhook POSTs and answers GETs (as a success page)."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.gets: list[str] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.posts.append({"path": self.path, "headers": dict(self.headers), "body": body.decode("utf-8")})
                self._answer(receiver.status, b"ok")

            def do_GET(self) -> None:
                receiver.gets.append(self.path)
                self._answer(
                    200, b"<!doctype html><html lang='en-GB'><title>Booked</title><main><h1>Booked</h1></main></html>"
                )

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    try:
        yield r
    finally:
        r.stop()


@pytest.fixture
def standin(receiver: Receiver) -> Iterator[StandInHandle]:
    with running_standin(webhook_url=receiver.url + "/api/stripe-webhook", webhook_secret=WEBHOOK_SECRET) as handle:
        yield handle


@pytest.fixture
def client(standin: StandInHandle):
    return standin.client()
