"""POST /api/bookings: validate, price with pricing.quote(), store the booking, then Stripe Checkout (card) or an
e-mailed request the booker confirms (invoice, £0).

The steps live in `book()`, which knows nothing of HTTP encodings; `handle_booking()` reads the
request and writes the answer in the form the client asked for (JSON, or HTML for a form post).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from adapters.content.fees import fee_table
from adapters.payments.checkout import card_closes, create_checkout_session
from adapters.payments.client import StripeUnavailable
from booking.priced import PricedBooking
from booking.record import BookingRecord
from booking.reference import booking_ref
from booking.request import BookingRequest, FieldError, field_errors
from booking.text import SMTPUTF8_CONTEXT
from functions import pages
from functions.body import parse_form, parse_json
from functions.errors import BookingProblem, Unavailable
from functions.http import Request, Response, client_address, html_response, json_response, redirect
from functions.settings import Settings
from pricing import CODE_REFUSED, FeeTable, FeeTableError, QuoteError, quote

MAX_BODY_BYTES = 64 * 1024
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
log = logging.getLogger("booking.functions.bookings")
UK = ZoneInfo("Europe/London")

_TITLES = {
    404: "We could not find that event",
    409: "Online booking for this event is closed",
    413: "The booking form sent too much",
    415: "The booking could not be read",
    422: "There is a problem with your booking",
    429: "Too many discount codes tried",
}


def validate(data: Any, fees: FeeTable, smtputf8: bool = False) -> BookingRequest:
    """Check the booking against the model and the fee table; raise BookingProblem with every field error.

    `smtputf8`: the mail server delivers to addresses with non-ASCII local parts (MAIL_SMTPUTF8).
    """
    try:
        booking = BookingRequest.model_validate(data, context={SMTPUTF8_CONTEXT: smtputf8})
    except ValidationError as exc:
        raise BookingProblem(422, field_errors(exc)) from None
    entry = fees.events.get(booking.event)
    if entry is None:
        raise BookingProblem(
            404,
            [
                FieldError(
                    "event", "We have no event open for booking at this address. Choose an event from the home page."
                )
            ],
        )
    problems = []
    categories = fees.tariff_for(booking.event).categories
    if booking.category not in categories:
        labels = "; ".join(c.label for c in categories.values())
        problems.append(FieldError("category", f"Choose one of this event's fee categories: {labels}"))
    if len(booking.delegates) > entry.max_delegates:
        problems.append(
            FieldError(
                "delegates",
                f"One online booking can hold at most {entry.max_delegates} delegates; make a second booking for the others",
            )
        )
    if problems:
        raise BookingProblem(422, problems)
    return booking


SOLD_OUT = "This event is sold out, so it cannot be booked online. E-mail us to join the waiting list."
# When the last places went to someone else while this booking was being made.
TOO_FEW_PLACES = (
    "This event is sold out: there are not enough places left for this booking. "
    "Book fewer delegates, or e-mail us to join the waiting list."
)


def sold_out(message: str = TOO_FEW_PLACES) -> BookingProblem:
    return BookingProblem(409, [FieldError("event", message)])


def check_open(booking: BookingRequest, fees: FeeTable, settings: Settings) -> None:
    now = settings.now()
    entry = fees.events[booking.event]
    status = entry.booking_status(now)
    if status == "sold_out":
        raise sold_out(SOLD_OUT)
    if status == "closed":
        raise BookingProblem(
            409,
            [
                FieldError(
                    "event",
                    "Online booking for this event has closed. E-mail us and we will tell you if places remain.",
                )
            ],
        )
    if booking.payment == "card" and now >= card_closes(entry.booking_closes):
        closes = entry.booking_closes.astimezone(UK)
        raise BookingProblem(
            409,
            [
                FieldError(
                    "payment",
                    f"Card payment for this event closed 30 minutes before booking closes, so that no payment page "
                    f"outlives booking. Until {closes:%H:%M} (UK time) you can still book and pay by invoice.",
                )
            ],
        )


def code_limit(priced: PricedBooking) -> int | None:
    """How many bookings the booking's discount code may have in all (None: no code, or no limit)."""
    found = priced.fees.find_code(priced.quote.code) if priced.quote.code else None
    return found[1].uses if found else None


def code_refused() -> BookingProblem:
    """The one answer for every code that cannot be used for this booking (unknown, expired, other event, used up)."""
    return BookingProblem(422, [FieldError("code", CODE_REFUSED)])


def guarded_price(booking: BookingRequest, fees: FeeTable, settings: Settings, client: str) -> PricedBooking:
    """price(), with failed discount codes counted per client: past the hour's few, no code is even looked at
    (429 on `code`), so codes cannot be found by trying. Without a code, nothing is counted."""
    if not booking.code or not settings.link_secret:
        return price(booking, fees, settings.now())
    from adapters.store import StoreUnavailable
    from flows.codes import attempts_exhausted, count_failed_attempt

    now = settings.now()
    try:
        store = settings.store()
        if attempts_exhausted(store, client, settings.link_secret, now):
            raise _too_many_attempts()
        try:
            return price(booking, fees, now)
        except BookingProblem:
            if not count_failed_attempt(store, client, settings.link_secret, now):
                raise _too_many_attempts() from None
            raise
    except StoreUnavailable as exc:
        log.error("code attempts not counted: %s", type(exc).__name__)
        raise Unavailable(STORE_DOWN) from None


def _too_many_attempts() -> BookingProblem:
    return BookingProblem(
        429,
        [
            FieldError(
                "code",
                "Too many discount codes have been tried from here in the last hour. Try again later, or leave "
                "the box empty to book without one.",
            )
        ],
        {"Retry-After": "3600"},
    )


def price(booking: BookingRequest, fees: FeeTable, at: datetime | None = None) -> PricedBooking:
    """The quote for a booking made `at` (the function's clock, default now: it decides the early-booking rate,
    whatever the page showed) with its discount code; an unknown, expired or other-event code is a 422 on `code`."""
    try:
        priced = quote(
            fees,
            booking.event,
            booking.category,
            len(booking.delegates),
            booking.payment,
            at=at,
            code=booking.code or None,
        )
    except QuoteError as exc:  # a CodeError (field "code"); validate() already ruled out the rest
        raise BookingProblem(422, [FieldError(exc.field, exc.message)]) from None
    return PricedBooking(booking, priced, booking_ref(booking), fees)


class Started(NamedTuple):
    """Where the visitor goes next: Stripe's checkout page, or our page saying to check their e-mail."""

    url: str
    total_pence: int
    free: bool = False  # a £0 booking: `url` is the page saying to confirm it from the e-mail


STORE_DOWN = "Online booking is not available just now. Please try again in a few minutes."


def book(data: Any, fees: FeeTable, settings: Settings, client: str = "") -> tuple[PricedBooking, Started]:
    """The whole booking: validate, check it is open, price, store it, then a Checkout Session (card) or an
    e-mailed link that confirms the request (invoice, £0)."""
    booking = validate(data, fees, settings.mail_smtputf8)
    check_open(booking, fees, settings)
    now = settings.now()
    if booking.intent == "quote":
        count_quote(settings, client, now)
    priced = guarded_price(booking, fees, settings, client)
    from flows.booking import stamp

    record = priced.record.model_copy(update={"booked_at": stamp(now)})
    if priced.quote.total_pence == 0 or booking.payment == "invoice":
        # Nothing reaches Stripe yet: the booker confirms by e-mail first (functions/invoice_request.py).
        from functions.invoice_request import request_confirmation

        url = request_confirmation(priced, record, settings)
        return priced, Started(url, priced.quote.total_pence, free=priced.quote.total_pence == 0)
    return priced, Started(start_card(priced, record, fees, settings), priced.quote.total_pence)


def count_quote(settings: Settings, client: str, now: datetime) -> None:
    """A few quote requests per client an hour (429 past them): see flows.purchase.QUOTES_PER_CLIENT_PER_HOUR."""
    from adapters.store import StoreUnavailable
    from flows.purchase import QUOTES_PER_CLIENT_PER_HOUR, count_quote_request

    if not settings.link_secret:
        return  # no quote can be confirmed without it (functions/invoice_request.py refuses the request)
    try:
        counted = count_quote_request(settings.store(), client, settings.link_secret, now)
    except StoreUnavailable as exc:
        log.error("quote requests not counted: %s", type(exc).__name__)
        raise Unavailable(STORE_DOWN) from None
    if not counted:
        raise BookingProblem(
            429,
            [
                FieldError(
                    "intent",
                    f"At most {QUOTES_PER_CLIENT_PER_HOUR} quotes can be asked for from here in an hour. Try again "
                    "later, or e-mail us for a quote.",
                )
            ],
            {"Retry-After": "3600"},
        )


def start_card(priced: PricedBooking, record: BookingRecord, fees: FeeTable, settings: Settings) -> str:
    """Hold the places in the store, then make the Checkout Session; its URL. If Stripe fails, the places go
    back at once (a resubmission of the same booking starts it over)."""
    from adapters.store import Conflict, LimitReached, StoreUnavailable
    from flows.booking import give_back, start_checkout
    from functions.mailroom import mail

    letters = mail(settings)
    try:
        store = settings.store()
        places = fees.events[record.event].places
        step = start_checkout(store, record, capacity=places, code_limit=code_limit(priced), mail=letters)
    except LimitReached as exc:
        if exc.key.startswith("COUNTER#code#"):
            log.info("booking %s: its code's uses are all taken", priced.ref)
            raise code_refused() from None
        log.info("booking %s: sold out (%d places asked)", priced.ref, len(record.delegates))
        raise sold_out() from None
    except (StoreUnavailable, Conflict) as exc:
        log.error("booking %s: not stored: %s", priced.ref, type(exc).__name__)
        raise Unavailable(STORE_DOWN) from None
    try:
        session = create_checkout_session(priced, settings)
    except StripeUnavailable:
        if step.changed:  # this request took the places: give them back (a double submit's are the first's)
            try:
                give_back(store, priced.ref, settings.now(), letters)
            except (StoreUnavailable, Conflict) as exc:
                log.error("booking %s: places not given back: %s", priced.ref, type(exc).__name__)
        raise
    log.info(
        "booking %s: checkout session %s for %d delegate(s), %d pence",
        priced.ref,
        session.id,
        len(record.delegates),
        priced.quote.total_pence,
    )
    return session.url


def _read(request: Request) -> Any:
    if len(request.body) > MAX_BODY_BYTES:
        raise BookingProblem(
            413,
            [
                FieldError(
                    "body", f"The booking is larger than {MAX_BODY_BYTES // 1024} KB; send only the form's fields."
                )
            ],
        )
    if request.content_type == "application/json":
        return parse_json(request.body)
    if request.content_type == "application/x-www-form-urlencoded":
        return parse_form(request.body)
    raise BookingProblem(
        415,
        [
            FieldError(
                "body",
                "Send the booking as JSON (application/json) or as the booking form (application/x-www-form-urlencoded).",
            )
        ],
    )


def _event_slug(data: Any) -> str | None:
    slug = data.get("event") if isinstance(data, dict) else None
    return slug if isinstance(slug, str) and _SLUG.match(slug) else None


def handle_booking(request: Request, settings: Settings) -> Response:
    data: Any = None
    try:
        data = _read(request)
        fees = fee_table(settings.fees_path)
        client = client_address(request, through_proxy=bool(settings.proxy_secret))
        priced, started = book(data, fees, settings, client)
    except (FeeTableError, OSError) as exc:
        log.error(json.dumps({"msg": "fee_table_unreadable", "path": str(settings.fees_path), "error": str(exc)}))
        unavailable = StripeUnavailable(503, "Online booking is not available just now. Please try again later.")
        return _unavailable(request, unavailable, settings, None, "Online booking is not available")
    except BookingProblem as problem:
        return _problem_response(request, problem, _event_slug(data))
    except StripeUnavailable as exc:
        return _unavailable(request, exc, settings, _event_slug(data), "Payment could not be started")
    except Unavailable as exc:
        return _unavailable(request, exc, settings, _event_slug(data), "Online booking is not available")
    if request.wants_json:
        return json_response(
            201,
            {
                "booking_ref": priced.ref,
                "confirmation_url" if started.free else "checkout_url": started.url,
                "total_pence": started.total_pence,
            },
        )
    return redirect(started.url)


def _back_url(slug: str | None) -> str:
    return f"/events/{slug}/#book" if slug else "/"


def _problem_response(request: Request, problem: BookingProblem, slug: str | None) -> Response:
    if request.wants_json:
        return json_response(problem.status, {"errors": [e.to_dict() for e in problem.errors]}, problem.headers)
    title = _TITLES.get(problem.status, "There is a problem with your booking")
    back = _back_url(None if problem.status == 404 else slug)
    return html_response(problem.status, pages.errors_page(problem.errors, back, title), problem.headers)


def _unavailable(
    request: Request, exc: StripeUnavailable | Unavailable, settings: Settings, slug: str | None, title: str
) -> Response:
    """502/503: say plainly that nothing was charged, what to do, and how to reach us."""
    contact = (
        f" If it keeps happening, e-mail {settings.contact_email}."
        if settings.contact_email
        else " If it keeps happening, contact us using the details at the foot of our website."
    )
    message = f"{exc.message} Nothing has been charged.{contact}"
    if request.wants_json:
        return json_response(exc.status, {"errors": [{"field": "payment", "message": message}]})
    html = pages.message_page(
        title, f"{exc.message} Nothing has been charged.", _back_url(slug), settings.contact_email
    )
    return html_response(exc.status, html)
