"""Sign and deliver webhook events the way Stripe does (`Stripe-Signature: t=...,v1=...`)."""

from __future__ import annotations

import hashlib
import hmac
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

DELIVERY_TIMEOUT_SECONDS = 3.0

# No proxy handler: a loopback receiver must never be reached through an HTTP(S)_PROXY from the environment.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def signature_header(payload: str, secret: str, timestamp: int | None = None) -> str:
    """`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<payload>" keyed with the endpoint secret>`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


@dataclass
class Delivery:
    """One attempt to POST an event to the webhook endpoint, as the stand-in saw it."""

    event_id: str
    type: str
    url: str
    signature: str
    status: int | None  # None when no HTTP response came back
    error: str | None
    body: str


def deliver(url: str, event_id: str, event_type: str, payload: str, signature: str) -> Delivery:
    """POST once with a short timeout; a failing receiver is recorded, never raised."""
    request = urllib.request.Request(
        url,
        data=payload.encode("utf-8"),
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": signature,
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks) local-stand-in",
        },
    )
    try:
        with _opener.open(request, timeout=DELIVERY_TIMEOUT_SECONDS) as response:
            body = response.read(4096).decode("utf-8", "replace")
            return Delivery(event_id, event_type, url, signature, response.status, None, body)
    except urllib.error.HTTPError as error:
        body = error.read(4096).decode("utf-8", "replace")
        return Delivery(event_id, event_type, url, signature, error.code, None, body)
    except (OSError, ValueError) as error:
        return Delivery(event_id, event_type, url, signature, None, f"{type(error).__name__}: {error}", "")
