"""Run the stand-in on a free loopback port for a test, and look inside it (requests, sessions, deliveries);
`deliver()` POSTs an event to a webhook as Stripe would, for tests that replay what the stand-in recorded."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from devtools.stripe_standin.app import RecordedRequest, StandIn
from devtools.stripe_standin.core import StoredEvent
from devtools.stripe_standin.server import ThreadingWSGIServer, make_server, mount
from devtools.stripe_standin.webhooks import Delivery, signature_header
from devtools.stripe_standin.webhooks import deliver as post_event

TEST_API_KEY = "sk_test_standin_0123456789"


class StandInHandle:
    """What a test holds while the stand-in runs; `api_base` goes to StripeClient's base_addresses["api"]."""

    def __init__(self, app: StandIn, server: ThreadingWSGIServer, thread: threading.Thread, url: str) -> None:
        self.app = app
        self.url = url
        self.api_base = url
        self._server = server
        self._thread = thread
        self._stopped = False

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.app.requests

    @property
    def deliveries(self) -> list[Delivery]:
        return self.app.deliveries

    @property
    def events(self) -> list[StoredEvent]:
        return self.app.events

    def sessions(self) -> list[dict[str, Any]]:
        return self.app.sessions()

    def fault(self, kind: str, times: int = 1, delay: float = 5.0, processed: bool | None = None) -> None:
        self.app.fault(kind, times=times, delay=delay, processed=processed)

    def complete(self, session_id: str) -> dict[str, Any]:
        return self.app.complete(session_id)

    def expire(self, session_id: str) -> dict[str, Any]:
        return self.app.expire(session_id)

    def webhook_endpoint_id(self) -> str:
        """The id of the stand-in's one webhook endpoint (for POST /v1/webhook_endpoints/{id} with `disabled`)."""
        [endpoint_id] = self.app.event_api.endpoints
        return endpoint_id

    def resend(self, event_id: str, resign: bool = False) -> Delivery:
        return self.app.resend(event_id, resign=resign)

    def invoices(self) -> list[dict[str, Any]]:
        return self.app.billing.all_invoices()

    def pay_invoice(self, invoice_id: str) -> dict[str, Any]:
        """Pay an open invoice as its hosted page does: paid, then a signed `invoice.paid` webhook."""
        return self.app.billing.pay(invoice_id)

    def checkout_url(self, session_id: str) -> str:
        return self.app.checkout_url(session_id)

    def client(self, api_key: str = TEST_API_KEY, max_network_retries: int = 0, timeout: float = 10.0) -> Any:
        """A real StripeClient pointed at this stand-in (requests-based HTTP client with `timeout`)."""
        import stripe

        return stripe.StripeClient(
            api_key,
            base_addresses={"api": self.api_base},
            max_network_retries=max_network_retries,
            http_client=stripe.RequestsClient(timeout=timeout),
        )

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.app.close()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@contextmanager
def running_standin(
    webhook_url: str | None = None,
    webhook_secret: str = "whsec_test_standin",
    prefix: str = "",
    api_keys_prefix: str = "sk_test_",
    clock: Callable[[], float] | None = None,
) -> Iterator[StandInHandle]:
    """Start a threaded server on 127.0.0.1 with a free port; always stopped on exit. `clock` (default: real
    time) lets a test share its function's clock, so Stripe's time limits (session expiry) agree with it."""
    server = make_server("127.0.0.1", 0)
    _host, port = server.server_address[:2]
    url = f"http://127.0.0.1:{port}" + (("/" + prefix.strip("/")) if prefix.strip("/") else "")
    app = StandIn(url, webhook_url, webhook_secret, api_keys_prefix=api_keys_prefix, clock=clock or time.time)
    server.set_app(mount(app, prefix) if prefix.strip("/") else app)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"stripe-standin-{port}", daemon=True
    )
    thread.start()
    handle = StandInHandle(app, server, thread, url)
    try:
        yield handle
    finally:
        handle.stop()


def deliver(event: Any, secret: str, url: str, timestamp: int | None = None) -> Delivery:
    """POST `event` to the webhook at `url` as Stripe delivers it: its JSON, signed now with `secret` in Stripe's
    `Stripe-Signature: t=...,v1=...` scheme. `event` is what `client.v1.events.list()`/`.retrieve()` returned,
    a dict or the JSON text. Each call is one delivery (call it again, or from several threads, to replay it);
    what the receiver answered comes back, a failure to connect included, never raised."""
    if isinstance(event, str):
        payload = event
    else:
        body = event.to_dict() if hasattr(event, "to_dict") else dict(event)
        payload = json.dumps(body, indent=2)
    parsed = json.loads(payload)
    return post_event(url, parsed["id"], parsed["type"], payload, signature_header(payload, secret, timestamp))
