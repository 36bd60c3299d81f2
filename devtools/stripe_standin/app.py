"""The stand-in's state and its WSGI application: the Stripe API subset, the hosted test checkout page, faults.

Mountable under a path prefix (it honours SCRIPT_NAME), thread-safe (one lock around the state; webhook
deliveries and fault delays happen outside it).
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from devtools.stripe_standin import auth, checkout_page, invoice_page, objects, session_rules
from devtools.stripe_standin.billing import Billing
from devtools.stripe_standin.core import StoredEvent
from devtools.stripe_standin.coupons import Coupons
from devtools.stripe_standin.credit_notes import CreditNotes
from devtools.stripe_standin.errors import StripeAPIError, not_found
from devtools.stripe_standin.events import Events
from devtools.stripe_standin.faults import FaultQueue, drop
from devtools.stripe_standin.forms import nest, parse_pairs
from devtools.stripe_standin.refunds import Refunds
from devtools.stripe_standin.schema import (
    LINE_ITEM_LIST,
    PAYMENT_INTENT_RETRIEVE,
    PAYMENT_INTENT_UPDATE,
    SESSION_CREATE,
    SESSION_EXPIRE,
    SESSION_LIST,
    SESSION_RETRIEVE,
    Hash,
)
from devtools.stripe_standin.validate import check_metadata_count, validate
from devtools.stripe_standin.webhooks import Delivery, deliver, signature_header

MAX_BODY_BYTES = 1_000_000
_STATUS_TEXT = {
    200: "OK",
    303: "See Other",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    500: "Internal Server Error",
}


@dataclass
class RecordedRequest:
    """One API request as the stand-in received it (faulted ones included)."""

    method: str
    path: str
    params: dict[str, Any]
    idempotency_key: str | None
    status: int | None = None  # None: the connection was dropped
    fault: str | None = None
    replayed: bool = False
    at: float = field(default_factory=time.time)
    client_user_agent: str = ""  # what the SDK says of itself and its host (X-Stripe-Client-User-Agent)
    telemetry: str = ""  # the SDK's report on the previous request's latency (X-Stripe-Client-Telemetry)


@dataclass
class _Response:
    status: int
    body: dict[str, Any]
    headers: list[tuple[str, str]] = field(default_factory=list)


def _recorded_params(raw: str) -> dict[str, Any]:
    """The request's parameters as nested values for `.requests`; the raw text if they do not parse."""
    try:
        return nest(parse_pairs(raw))
    except StripeAPIError:
        return {"_raw": raw}


class StandIn:
    """A local Stripe for Checkout Sessions: call it as a WSGI app, or drive it directly from tests."""

    def __init__(
        self,
        public_base: str,
        webhook_url: str | None,
        webhook_secret: str,
        api_keys_prefix: str = "sk_test_",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.public_base = public_base.rstrip("/")
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.api_keys_prefix = api_keys_prefix
        self.clock = clock
        self.faults = FaultQueue()
        self.lock = threading.RLock()
        self._stopping = threading.Event()
        self._sessions: dict[str, dict[str, Any]] = {}
        self._line_items: dict[str, list[dict[str, Any]]] = {}
        self._intent_data: dict[str, dict[str, Any]] = {}
        self.intents: dict[str, dict[str, Any]] = {}
        self.tax_rates: dict[str, dict[str, Any]] = {}
        self._events: dict[str, StoredEvent] = {}
        self._idempotent: dict[tuple[str, str], tuple[tuple, _Response]] = {}
        self._requests: list[RecordedRequest] = []
        self._deliveries: list[Delivery] = []
        self._local = threading.local()  # events raised while holding the lock, delivered after it
        self.billing = Billing(
            self
        )  # customers, invoice items, invoices and search (devtools/stripe_standin/billing.py)
        self.refunds = Refunds(self)  # charges and refunds (devtools/stripe_standin/refunds.py)
        # credit notes against invoices (devtools/stripe_standin/credit_notes.py)
        self.credit_notes = CreditNotes(self, self.billing, self.refunds.refunds)
        self.coupons = Coupons(self)  # amount-off coupons for Checkout's discounts (devtools/stripe_standin/coupons.py)
        # GET /v1/events and the webhook endpoint a test may disable (devtools/stripe_standin/events.py)
        self.event_api = Events(self, webhook_url, int(clock()))

    # ---- what tests and the dev server read -------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self.lock:
            return list(self._requests)

    @property
    def deliveries(self) -> list[Delivery]:
        with self.lock:
            return list(self._deliveries)

    @property
    def events(self) -> list[StoredEvent]:
        with self.lock:
            return list(self._events.values())

    def sessions(self) -> list[dict[str, Any]]:
        """Every session, oldest first, as the API would return it."""
        with self.lock:
            for session in self._sessions.values():
                self._refresh(session)
            result = [copy.deepcopy(s) for s in self._sessions.values()]
        self.flush_events()
        return result

    def session(self, session_id: str) -> dict[str, Any]:
        with self.lock:
            result = copy.deepcopy(self._get_session(session_id, "session"))
        self.flush_events()
        return result

    def line_items(self, session_id: str) -> list[dict[str, Any]]:
        with self.lock:
            self._get_session(session_id, "session")
            result = [objects.public_line_item(i) for i in self._line_items[session_id]]
        self.flush_events()
        return result

    def payment_intents(self) -> list[dict[str, Any]]:
        with self.lock:
            return [copy.deepcopy(p) for p in self.intents.values()]

    # ---- what tests and the dev server change -----------------------------------------------

    def fault(self, kind: str, times: int = 1, delay: float = 5.0, processed: bool | None = None) -> None:
        """Fail the next `times` API requests: "500", "timeout" (hold the response `delay` s) or "drop".

        `processed`: whether the request takes effect before failing (default: only for "timeout",
        i.e. Stripe created the session but the answer never reached the client). An unprocessed
        timeout holds the request for `delay` seconds, then closes the connection.
        """
        self.faults.add(kind, times, delay, processed)

    def add_tax_rate(
        self, percentage: str = "20", inclusive: bool = True, display_name: str = "VAT", rate_id: str | None = None
    ) -> str:
        """Register a tax rate that line_items[].tax_rates[] may name (Stripe's tax rates live in the dashboard)."""
        rate_id = rate_id or objects.new_id("txr_")
        with self.lock:
            self.tax_rates[rate_id] = {
                "id": rate_id,
                "object": "tax_rate",
                "active": True,
                "country": "GB",
                "description": None,
                "display_name": display_name,
                "inclusive": inclusive,
                "jurisdiction": None,
                "livemode": False,
                "percentage": float(percentage),
                "tax_type": "vat",
            }
        return rate_id

    def complete(self, session_id: str, email: str | None = None) -> dict[str, Any]:
        """Pay an open session as the hosted page does: paid, PaymentIntent made, webhook sent."""
        with self.lock:
            session = self._get_session(session_id, "session")
            if session["status"] != "open":
                raise StripeAPIError(
                    f"This Checkout Session is {session['status']} and can no longer be paid.",
                    code="checkout_session_not_open",
                    param="session",
                )
            now = int(self.clock())
            intent = objects.payment_intent(session, self._intent_data[session_id], now)
            self.intents[intent["id"]] = intent
            session.update(
                status="complete",
                payment_status="paid",
                payment_intent=intent["id"],
                url=None,
                customer_details={
                    "address": None,
                    "business_name": None,
                    "email": session["customer_email"] or email,
                    "individual_name": None,
                    "name": None,
                    "phone": None,
                    "tax_exempt": "none",
                    "tax_ids": [],
                },
            )
            self.refunds.add_charge(intent, now)
            for discount in session["discounts"]:
                self.coupons.redeem(discount["coupon"])
            receipt = None
            if session["invoice_creation"]["enabled"]:
                invoice, receipt = self.billing.receipt(session, self._line_items[session_id], now)
                session.update(invoice=invoice["id"], customer=invoice["customer"])
                intent["customer"] = invoice["customer"]
            stored = self.new_event("checkout.session.completed", session, now)
            result = copy.deepcopy(session)
        self.deliver_event(stored)
        if receipt is not None:
            self.deliver_event(receipt)
        return result

    def expire(self, session_id: str) -> dict[str, Any]:
        """Expire an open session (as POST /v1/checkout/sessions/{id}/expire does) and send the event."""
        with self.lock:
            session = self._get_session(session_id, "session")
            if session["status"] != "open":
                raise StripeAPIError(
                    f'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "{session["status"]}".',
                    code="checkout_session_not_open",
                )
            stored = self._expire(session)
            result = copy.deepcopy(session)
        self.deliver_event(stored)
        return result

    def resend(self, event_id: str, resign: bool = False) -> Delivery:
        """Deliver a stored event again: the same bytes and signature (a replay), or freshly signed."""
        with self.lock:
            stored = self._events[event_id]
            if resign:
                stored = StoredEvent(
                    stored.id,
                    stored.type,
                    stored.payload,
                    signature_header(stored.payload, self.webhook_secret, int(self.clock())),
                )
        delivery = self.deliver_event(stored, required=True)
        assert delivery is not None  # required=True always delivers or raises
        return delivery

    def close(self) -> None:
        """Release requests held by a "timeout" fault, so a server can shut down at once."""
        self._stopping.set()

    # ---- WSGI --------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        if path.startswith("/v1/") or path == "/v1":
            return self._api(environ, start_response, path)
        if path.startswith("/invoice/"):
            return invoice_page.handle(self, environ, start_response, path.strip("/").split("/"))
        return checkout_page.handle(self, environ, start_response, path)

    def checkout_url(self, session_id: str) -> str:
        return f"{self.public_base}/checkout/{session_id}"

    # ---- the API ---------------------------------------------------------------------------

    def _api(self, environ: dict[str, Any], start_response: Callable, path: str) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        key = environ.get("HTTP_IDEMPOTENCY_KEY") if method == "POST" else None
        record = RecordedRequest(method, path, {}, key)
        record.client_user_agent = environ.get("HTTP_X_STRIPE_CLIENT_USER_AGENT", "")
        record.telemetry = environ.get("HTTP_X_STRIPE_CLIENT_TELEMETRY", "")
        with self.lock:
            self._requests.append(record)
        fault = self.faults.take()
        record.fault = fault.kind if fault else None
        try:
            raw = self._read_params(environ, method)
            record.params = _recorded_params(raw)
            if fault is None or fault.processed:
                response = self._authorised(environ, method, path, raw, key, record)
        except StripeAPIError as error:
            response = _Response(error.status, error.body())
        if fault is not None:
            if fault.kind == "500":
                response = _Response(
                    500,
                    {
                        "error": {
                            "type": "api_error",
                            "message": "An unknown error occurred (simulated by the local stand-in).",
                        }
                    },
                    [("Stripe-Should-Retry", "true")],
                )
            else:
                if fault.kind == "timeout":
                    self._stopping.wait(fault.delay)
                if fault.kind == "drop" or not fault.processed:
                    return self._dropped(environ, start_response, record)
        record.status = response.status
        return self._send_json(start_response, response, key)

    def _dropped(self, environ: dict[str, Any], start_response: Callable, record: RecordedRequest) -> Iterable[bytes]:
        if drop(environ):
            record.status = None
            start_response("500 Internal Server Error", [("Content-Length", "0")])
            return []
        record.status = 500
        response = _Response(
            500,
            {"error": {"type": "api_error", "message": "The stand-in could not drop this connection on this server."}},
        )
        return self._send_json(start_response, response, None)

    def _read_params(self, environ: dict[str, Any], method: str) -> str:
        if method != "POST":
            return environ.get("QUERY_STRING", "")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY_BYTES:
            raise StripeAPIError("Request body too large.", status=413, code="request_too_large")
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        content_type = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
        if body and content_type not in ("", "application/x-www-form-urlencoded"):
            raise StripeAPIError(
                f"Invalid request: the body must be form-encoded (application/x-www-form-urlencoded), not {content_type[:60]}.",
                code="content_type_invalid",
            )
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            raise StripeAPIError(
                "Invalid request: the body is not valid UTF-8.", code="parameter_invalid_encoding"
            ) from None

    def _authorised(
        self, environ: dict[str, Any], method: str, path: str, raw: str, key: str | None, record: RecordedRequest
    ) -> _Response:
        api_key = auth.api_key(environ, self.api_keys_prefix)
        if key is None:
            return self._route(method, path, raw)
        pairs = tuple(sorted(parse_qsl(raw, keep_blank_values=True)))
        fingerprint = (method, path, pairs)
        with self.lock:
            stored = self._idempotent.get((api_key, key))
            if stored is not None:
                if stored[0] != fingerprint:
                    raise StripeAPIError(
                        "Keys for idempotent requests can only be used with the same parameters they were first "
                        f"used with. Try using a key other than '{key}' if you meant to execute a different request.",
                        type="idempotency_error",
                    )
                record.replayed = True
                replay = stored[1]
                return _Response(replay.status, replay.body, [*replay.headers, ("Idempotent-Replayed", "true")])
            response = self._route(method, path, raw)
            if 200 <= response.status < 300:
                self._idempotent[(api_key, key)] = (fingerprint, response)
            return response

    def _route(self, method: str, path: str, raw: str) -> _Response:
        parts = path.strip("/").split("/")
        with self.lock:
            billed = self.billing.route(method, parts, raw)
            if billed is None:
                billed = self.refunds.route(method, parts, raw)
            if billed is None:
                billed = self.credit_notes.route(method, parts, raw)
            if billed is None:
                billed = self.coupons.route(method, parts, raw)
            if billed is None:
                billed = self.event_api.route(method, parts, raw)
            if billed is not None:
                return _Response(200, billed)
            if parts[:3] == ["v1", "checkout", "sessions"]:
                if len(parts) == 3 and method == "POST":
                    return self._create_session(self._params(SESSION_CREATE, raw))
                if len(parts) == 3 and method == "GET":
                    return self._list_sessions(self._params(SESSION_LIST, raw))
                if len(parts) == 4 and method == "GET":
                    params = self._params(SESSION_RETRIEVE, raw)
                    return _Response(200, self._render_session(self._get_session(parts[3], "session"), params))
                if len(parts) == 5 and parts[4] == "expire" and method == "POST":
                    params = self._params(SESSION_EXPIRE, raw)
                    session = self._get_session(parts[3], "session")
                    if session["status"] != "open":
                        raise StripeAPIError(
                            'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout '
                            f'Session has a status of "{session["status"]}".',
                            code="checkout_session_not_open",
                        )
                    self.queue_event(self._expire(session))
                    return _Response(200, self._render_session(session, params))
                if len(parts) == 5 and parts[4] == "line_items" and method == "GET":
                    params = self._params(LINE_ITEM_LIST, raw)
                    self._get_session(parts[3], "session")
                    items = [objects.public_line_item(i) for i in self._line_items[parts[3]]]
                    return _Response(
                        200, objects.paginate(items, params, f"/v1/checkout/sessions/{parts[3]}/line_items")
                    )
            if parts[:2] == ["v1", "payment_intents"] and len(parts) == 3:
                if method == "GET":
                    params = self._params(PAYMENT_INTENT_RETRIEVE, raw)
                    intent = copy.deepcopy(self._get_intent(parts[2]))
                    if "latest_charge" in params.get("expand", []) and intent["latest_charge"]:
                        intent["latest_charge"] = copy.deepcopy(self.refunds.charges[intent["latest_charge"]])
                    return _Response(200, intent)
                if method == "POST":
                    return _Response(
                        200, self._update_intent(parts[2], self._params(PAYMENT_INTENT_UPDATE, raw, updating=True))
                    )
        raise StripeAPIError(
            f"Unrecognized request URL ({method}: {path}). The local stand-in speaks only the Checkout Session, "
            "PaymentIntent, refund, invoicing, credit note, event and webhook endpoint calls listed in docs/development.md and docs/back-office.md.",
            status=404,
        )

    @staticmethod
    def _params(spec: Hash, raw: str, updating: bool = False) -> dict[str, Any]:
        return validate(spec, nest(parse_pairs(raw)), updating=updating)

    def _create_session(self, params: dict[str, Any]) -> _Response:
        now = int(self.clock())
        built, expires_at = session_rules.priced_line_items(params, self.tax_rates, now, self.coupons)
        session_id = objects.new_id("cs_test_", 58)
        session = objects.checkout_session(session_id, params, built, self.checkout_url(session_id), now, expires_at)
        self._sessions[session_id] = session
        self._line_items[session_id] = built
        self._intent_data[session_id] = params.get("payment_intent_data", {})
        return _Response(200, self._render_session(session, params))

    def _list_sessions(self, params: dict[str, Any]) -> _Response:
        sessions = list(reversed(self._sessions.values()))
        for session in sessions:
            self._refresh(session)
        if "status" in params:
            sessions = [s for s in sessions if s["status"] == params["status"]]
        if "payment_intent" in params:
            sessions = [s for s in sessions if s["payment_intent"] == params["payment_intent"]]
        page = objects.paginate(sessions, params, "/v1/checkout/sessions")
        expand = {"expand": [name.removeprefix("data.") for name in params.get("expand", [])]}
        page["data"] = [self._render_session(s, expand) for s in page["data"]]
        return _Response(200, page)

    def _render_session(self, session: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        self._refresh(session)
        body = copy.deepcopy(session)
        expand = params.get("expand", [])
        if "payment_intent" in expand and body["payment_intent"]:
            body["payment_intent"] = copy.deepcopy(self.intents[body["payment_intent"]])
        if "invoice" in expand and body["invoice"]:
            body["invoice"] = self.billing.render(self.billing.invoices[body["invoice"]])
        if "line_items" in expand:
            items = [objects.public_line_item(i) for i in self._line_items[session["id"]]]
            body["line_items"] = objects.paginate(items, {}, f"/v1/checkout/sessions/{session['id']}/line_items")
        return body

    def _get_session(self, session_id: str, param: str) -> dict[str, Any]:
        session = self._sessions.get(session_id)
        if session is None:
            raise not_found("checkout.session", session_id, param)
        self._refresh(session)
        return session

    def _get_intent(self, intent_id: str) -> dict[str, Any]:
        intent = self.intents.get(intent_id)
        if intent is None:
            raise not_found("payment_intent", intent_id, "intent")
        return intent

    def _update_intent(self, intent_id: str, params: dict[str, Any]) -> dict[str, Any]:
        intent = self._get_intent(intent_id)
        metadata = dict(intent["metadata"])
        if params.get("metadata") == "":
            metadata = {}
        else:
            for name, value in params.get("metadata", {}).items():
                if value == "":
                    metadata.pop(name, None)
                else:
                    metadata[name] = value
        check_metadata_count(metadata, "metadata")
        intent["metadata"] = metadata
        for name in ("description", "receipt_email"):
            if name in params:
                intent[name] = params[name]
        return copy.deepcopy(intent)

    # ---- expiry, events, deliveries ------------------------------------------------------------

    @property
    def _pending(self) -> list[StoredEvent]:
        return self._local.__dict__.setdefault("pending", [])

    def _refresh(self, session: dict[str, Any]) -> None:
        if session["status"] == "open" and self.clock() >= session["expires_at"]:
            self.queue_event(self._expire(session))

    def _expire(self, session: dict[str, Any]) -> StoredEvent:
        session.update(status="expired", url=None)
        return self.new_event("checkout.session.expired", session, int(self.clock()))

    def new_event(
        self, event_type: str, obj: dict[str, Any], now: int, previous_attributes: dict[str, Any] | None = None
    ) -> StoredEvent:
        pending_webhooks = 1 if self.webhook_url and self.event_api.delivering() else 0
        event = objects.event(event_type, copy.deepcopy(obj), now, previous_attributes, pending_webhooks)
        payload = json.dumps(event, indent=2)
        stored = StoredEvent(event["id"], event_type, payload, signature_header(payload, self.webhook_secret, now))
        self._events[stored.id] = stored
        return stored

    def queue_event(self, stored: StoredEvent) -> None:
        """Deliver `stored` once the lock is released (flush_events), as Stripe sends events after answering."""
        self._pending.append(stored)

    def deliver_event(self, stored: StoredEvent, required: bool = False) -> Delivery | None:
        """POST `stored` to the webhook URL, unless there is none or its endpoint is disabled (the event stays
        listed in GET /v1/events either way). `required` (resend) delivers even to a disabled endpoint."""
        for pending in self._take_pending():
            self.deliver_event(pending)
        if not self.webhook_url:
            if required:
                raise ValueError("this stand-in has no webhook_url to deliver to")
            return None
        if not required and not self.event_api.delivering():
            return None
        delivery = deliver(self.webhook_url, stored.id, stored.type, stored.payload, stored.signature)
        with self.lock:
            self._deliveries.append(delivery)
        return delivery

    def _take_pending(self) -> list[StoredEvent]:
        pending = list(self._pending)
        self._pending.clear()
        return pending

    def flush_events(self) -> None:
        """Deliver events raised while answering a request (expiries); called with the lock released."""
        for pending in self._take_pending():
            self.deliver_event(pending)

    def _send_json(self, start_response: Callable, response: _Response, key: str | None) -> Iterable[bytes]:
        self.flush_events()
        body = (json.dumps(response.body, indent=2) + "\n").encode("utf-8")
        headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-cache, no-store"),
            ("Request-Id", objects.new_id("req_", 14)),
            ("Stripe-Version", objects.API_VERSION),
            *response.headers,
        ]
        if key:
            headers.append(("Idempotency-Key", key))
        start_response(f"{response.status} {_STATUS_TEXT.get(response.status, 'Error')}", headers)
        return [body]
