"""POST /api/stripe-webhook: verify Stripe's signature on the raw body, then fulfil paid checkouts and invoices once,
and record refunds and voided invoices (telling the booker once)."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from hashlib import sha256
from typing import Any

from adapters.payments.client import StripeUnavailable
from functions.cancellation import NoticeNotSent, Outcome, refund_notice, void_notice
from functions.fulfilment import ConfirmationNotSent, Fulfilment, SessionNotFound, fulfil_checkout, fulfil_invoice
from functions.http import Request, Response, json_response
from functions.settings import Settings

TOLERANCE_SECONDS = 300
MAX_WEBHOOK_BYTES = 512 * 1024
FULFIL_ON = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
INVOICE_PAID = "invoice.paid"
CHARGE_REFUNDED = "charge.refunded"
INVOICE_VOIDED = "invoice.voided"
# Every event the endpoint must be subscribed to in Stripe (the SAM template and docs/deploy.md list them).
EVENTS = (*FULFIL_ON, INVOICE_PAID, CHARGE_REFUNDED, INVOICE_VOIDED)
log = logging.getLogger("functions.webhook")


class BadSignature(Exception):
    """The body was not signed by Stripe with our secret, or was signed too long ago."""


def verify(payload: bytes, header: str, secret: str, now: float) -> None:
    """Stripe's v1 scheme: HMAC-SHA256 of "<t>.<body>"; the timestamp must be within the tolerance."""
    try:
        parts = [item.split("=", 1) for item in header.split(",")]
        timestamp = int(next(value for key, value in parts if key.strip() == "t"))
        signatures = [value for key, value in parts if key.strip() == "v1"]
    except (ValueError, StopIteration):
        raise BadSignature("Stripe-Signature header is missing or malformed") from None
    if not signatures:
        raise BadSignature("no v1 signature")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, sha256).hexdigest()
    if not any(hmac.compare_digest(expected, s.strip()) for s in signatures):
        raise BadSignature("signature does not match")
    if timestamp < now - TOLERANCE_SECONDS:
        raise BadSignature("timestamp outside the tolerance")


def handle_webhook(request: Request, settings: Settings) -> Response:
    if len(request.body) > MAX_WEBHOOK_BYTES:
        return json_response(413, {"error": "payload too large"})
    try:
        verify(
            request.body, request.header("stripe-signature"), settings.stripe_webhook_secret, settings.now().timestamp()
        )
        event: Any = json.loads(request.body.decode("utf-8"))
        kind = event["type"]
        obj = event["data"]["object"]
        if not isinstance(kind, str) or not isinstance(obj, dict):
            raise TypeError(f"type is {type(kind).__name__}, data.object is {type(obj).__name__}")
        if kind in (*FULFIL_ON, INVOICE_PAID, INVOICE_VOIDED) and not isinstance(obj.get("id"), str):
            raise TypeError(f"data.object.id is {type(obj.get('id')).__name__}")
    except BadSignature as exc:
        log.warning(json.dumps({"msg": "webhook_rejected", "reason": str(exc)}))
        return json_response(400, {"error": "invalid signature"})
    except (ValueError, KeyError, TypeError) as exc:
        # Signed but not the shape of an event we can read: refused, never a 500. The reason names a key or a
        # type, never a value from the body (which may hold a person's details).
        reason = f"missing {exc}" if isinstance(exc, KeyError) else f"{type(exc).__name__}: {exc}"[:200]
        log.warning(json.dumps({"msg": "webhook_not_an_event", "reason": reason}))
        return json_response(400, {"error": "not a Stripe event"})

    if kind == CHARGE_REFUNDED:
        intent = obj.get("payment_intent")
        if not isinstance(intent, str) or not intent:
            return json_response(200, {"received": True, "handled": False})  # a charge made without a PaymentIntent
        return _notice(lambda: refund_notice(intent, settings), event, kind)
    if kind == INVOICE_VOIDED:
        return _notice(lambda: void_notice(str(obj["id"]), settings), event, kind)
    if kind == INVOICE_PAID:
        if obj.get("status") != "paid":
            return json_response(200, {"received": True, "handled": False, "status": obj.get("status")})
        return _fulfil(lambda: fulfil_invoice(str(obj["id"]), settings), event, kind)
    if kind not in FULFIL_ON:
        return json_response(200, {"received": True, "handled": False})
    if obj.get("payment_status") != "paid":
        # Delayed payment methods: async_payment_succeeded follows when the money arrives.
        return json_response(200, {"received": True, "handled": False, "payment_status": obj.get("payment_status")})
    return _fulfil(lambda: fulfil_checkout(str(obj["id"]), settings), event, kind)


def _fulfil(call: Callable[[], Fulfilment], event: Any, kind: str) -> Response:
    try:
        result = call()
    except StripeUnavailable as exc:
        # A 5xx makes Stripe deliver the event again later.
        return json_response(503, {"error": exc.message})
    except ConfirmationNotSent:
        return json_response(503, {"error": "the booking is confirmed but its e-mails could not be sent yet"})
    except SessionNotFound:
        return json_response(200, {"received": True, "handled": False, "error": "no such object"})
    log.info(json.dumps({"msg": "webhook_handled", "event_id": event.get("id"), "type": kind, "state": result.state}))
    # An object without this site's marker (a payment made another way) is acknowledged and left alone.
    return json_response(200, {"received": True, "handled": result.state != "not_a_booking", "state": result.state})


def _notice(call: Callable[[], Outcome], event: Any, kind: str) -> Response:
    try:
        result = call()
    except StripeUnavailable as exc:
        return json_response(503, {"error": exc.message})
    except NoticeNotSent:
        return json_response(503, {"error": "the cancellation is recorded but the booker could not be told yet"})
    except SessionNotFound:
        return json_response(200, {"received": True, "handled": False, "error": "no such object"})
    log.info(json.dumps({"msg": "webhook_handled", "event_id": event.get("id"), "type": kind, "state": result.state}))
    return json_response(200, {"received": True, "handled": result.state != "not_a_booking", "state": result.state})
