"""Building signed Stripe webhook deliveries for tests (what Stripe sends, signed with our secret)."""

from __future__ import annotations

import json
import time

from stripe import WebhookSignature

from tests.functions.conftest import WEBHOOK_SECRET, lambda_event


def stripe_event(kind: str, obj: dict, event_id: str = "evt_test_1") -> str:
    return json.dumps({"id": event_id, "object": "event", "type": kind, "data": {"object": obj}, "livemode": False})


def signed(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> dict:
    header = WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp or int(time.time()))
    return lambda_event(
        "POST", "/api/stripe-webhook", payload, {"stripe-signature": header, "content-type": "application/json"}
    )
