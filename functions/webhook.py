"""POST /api/stripe-webhook: Stripe's signature checked by the SDK on the raw body, then the object the event names
read back from Stripe and its booking moved through flows.payments (paid, expired, refunded, voided).

Answers: 200 when the event is dealt with (or is not about one of this site's bookings: "handled": false),
400 for a body Stripe did not sign with our secret recently or that is not an event, 413 for a body too large,
503 when Stripe or the store cannot be reached (Stripe delivers the event again later). A mail server that is
down does not fail the delivery: the messages wait in the outbox.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from adapters.payments.client import StripeUnavailable, client
from adapters.payments.reads import NotFound
from adapters.store import Conflict, StoreUnavailable
from flows import payments
from functions.http import Request, Response, json_response
from functions.mailroom import mail

if TYPE_CHECKING:
    from functions.settings import Settings

TOLERANCE_SECONDS = 300
MAX_WEBHOOK_BYTES = 512 * 1024
EVENTS = payments.EVENTS
log = logging.getLogger("booking.functions.webhook")


class BadSignature(Exception):
    """The body was not signed by Stripe with our secret, or was signed too long ago."""


def verify(payload: bytes, header: str, secret: str, now: float) -> None:
    """The SDK's own check of the v1 signature, then the timestamp's age against our clock (tests set it)."""
    import stripe

    try:
        # tolerance=None: the SDK would compare with time.time(); the age is checked below with `now`.
        stripe.WebhookSignature.verify_header(payload, header, secret, tolerance=None)
    except stripe.SignatureVerificationError as exc:
        raise BadSignature(str(exc).split(".")[0]) from None
    except UnicodeDecodeError:
        raise BadSignature("the body is not UTF-8") from None
    timestamp = int(next(item for item in header.split(",") if item.startswith("t=")).split("=", 2)[1])
    if timestamp < now - TOLERANCE_SECONDS:
        raise BadSignature("timestamp outside the tolerance")


def handle_webhook(request: Request, settings: Settings) -> Response:
    if len(request.body) > MAX_WEBHOOK_BYTES:
        return json_response(413, {"error": "payload too large"})
    try:
        verify(
            request.body, request.header("stripe-signature"), settings.stripe_webhook_secret, settings.now().timestamp()
        )
    except BadSignature as exc:
        log.warning("webhook rejected: %s", exc)
        return json_response(400, {"error": "invalid signature"})
    try:
        kind, obj, event_id = _parts(json.loads(request.body.decode("utf-8")))
    except (ValueError, KeyError, TypeError) as exc:
        # Signed with our secret, so not forged, but not the shape of an event we can read: refused, never a 500.
        # The reason names a key or a type, never a value from the body (which may hold a person's details).
        reason = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)[:200]
        log.warning("signed webhook body that is not a Stripe event: %s", reason)
        return json_response(400, {"error": "not a Stripe event"})
    if kind not in EVENTS:
        return json_response(200, {"received": True, "handled": False})
    object_id = _object_id(kind, obj)
    if not object_id:
        # A charge made without a PaymentIntent (or an object without an id): not one of this site's payments.
        return json_response(200, {"received": True, "handled": False})
    try:
        settled = payments.settle(
            settings.store(),
            client(settings),
            kind,
            object_id,
            at=settings.now().isoformat(timespec="seconds"),
            mail=mail(settings),
        )
    except NotFound:
        log.warning("%s event %s names %s, which Stripe does not have", kind, event_id, object_id)
        return json_response(200, {"received": True, "handled": False, "error": "no such object"})
    except StripeUnavailable as exc:
        return json_response(503, {"error": exc.message})
    except StoreUnavailable as exc:
        log.error("the booking store could not be reached for %s event %s: %s", kind, event_id, exc)
        return json_response(503, {"error": "the booking store could not be reached"})
    except Conflict as exc:
        log.error("%s event %s: %s; Stripe will deliver it again", kind, event_id, exc)
        return json_response(503, {"error": "the booking is being changed; try again"})
    answer: dict[str, Any] = {"received": True, "handled": settled.handled}
    if settled.state is not None:
        answer.update(state=str(settled.state), changed=settled.changed)
    # One line per event answered: which booking it was about (if any) and where that booking is now.
    log.info(
        "%s event %s handled: %s is %s%s",
        kind,
        event_id,
        settled.ref or "no booking of this site",
        settled.state or "not stored",
        " (changed)" if settled.changed else "",
        extra={"booking_ref": settled.ref} if settled.ref else None,
    )
    return json_response(200, answer)


def _parts(event: Any) -> tuple[str, dict[str, Any], str]:
    """An event's type, its data.object and its id; ValueError, KeyError or TypeError naming what is wrong."""
    if not isinstance(event, dict):
        raise TypeError(f"the body is a {type(event).__name__}, not an object")
    kind, data = event["type"], event["data"]
    if not isinstance(kind, str) or not isinstance(data, dict):
        raise TypeError(f"type is {type(kind).__name__}, data is {type(data).__name__}")
    obj = data["object"]
    if not isinstance(obj, dict):
        raise TypeError(f"data.object is {type(obj).__name__}, not an object")
    if kind in EVENTS and kind != payments.CHARGE_REFUNDED and not isinstance(obj.get("id"), str):
        raise TypeError(f"data.object.id is {type(obj.get('id')).__name__}")
    event_id = event.get("id")
    return kind, obj, event_id if isinstance(event_id, str) else ""


def _object_id(kind: str, obj: dict[str, Any]) -> str:
    """The id of the object to read back: a refunded charge's PaymentIntent (where the booking's marker is)."""
    value = obj.get("payment_intent") if kind == payments.CHARGE_REFUNDED else obj.get("id")
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""
