"""Bookings in the store for the manage-page tests: made through the booking's life (flows.advance), their
confirmations composed and delivered through the outbox to the SMTP sink, the private links read from them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from adapters.mail.outbox import Delivery, deliver
from adapters.mail.send import MailSession
from adapters.store import BookingStore
from booking.life import CheckoutStarted, Event, Paid
from booking.record import Attendee, BookingRecord, Contact
from booking.reference import booking_ref
from booking.request import BookingRequest, amounts
from flows.advance import Step, advance
from functions import mailroom
from tests.backoffice.conftest import booking
from tests.functions.conftest import FORM_HEADERS, JSON_HEADERS, HttpResponse, http

AT = "2083-01-05T10:00:00+00:00"
MANAGE_LINK = re.compile(r"https?://\S+/api/bookings/manage\?t=[A-Za-z0-9_.-]+")
NEW = {
    "name": "Sam Okafor",
    "email": "sam.okafor@nhs.net",
    "job_title": "Records Manager",
    "organisation": "Leeds Teaching Hospitals NHS Trust",
}
SECRET_NEEDS = "Wheelchair space near the front, please"


@dataclass
class Booked:
    """A paid booking in the store: the body it was made from, its reference and the booker's manage link."""

    data: dict[str, Any]
    ref: str
    link: str

    @property
    def delegates(self) -> list[dict[str, str]]:
        """The delegates as the manage form holds them (no access needs)."""
        return [
            {k: d.get(k, "") for k in ("name", "email", "job_title", "organisation")} for d in self.data["delegates"]
        ]


def store(live) -> BookingStore:
    return live.settings.store()


def step(live, ref: str, event: Event) -> Step:
    return advance(
        store(live),
        ref,
        event,
        about=lambda b: mailroom.about(b, live.settings),
        letterhead=mailroom.letterhead(live.settings),
    )


def send_mail(live, ref: str | None = None) -> Delivery:
    with MailSession(live.settings.smtp_url, None) as session:
        return deliver(store(live), session, ref)


def record_of(live, ref: str) -> BookingRecord:
    found = store(live).get(ref)
    assert found is not None
    return found.record


def version_of(live, ref: str) -> int:
    found = store(live).get(ref)
    assert found is not None
    return found.version


def paid_booking(live, delegates: int = 2, tag: str = "", needs: dict[int, str] | None = None) -> Booked:
    """A card booking for `delegates`, paid, its confirmations sent; `needs` gives delegates access needs."""
    data = booking(delegates, tag=tag)
    for position, text in (needs or {}).items():
        data["delegates"][position]["access_needs"] = text
    request = BookingRequest.model_validate(data)
    ref = booking_ref(request)
    record = BookingRecord(
        ref=ref,
        event=request.event,
        category=request.category,
        payment="card",
        contact=Contact(**request.contact.model_dump()),
        delegates=tuple(Attendee(**d.model_dump()) for d in request.delegates),
        amounts=amounts(live.quote(data)),
    )
    step(live, ref, CheckoutStarted(record))
    step(live, ref, Paid(AT))
    sent = send_mail(live, ref)
    assert sent.complete and len(sent.sent) == delegates + 2, sent
    return Booked(data, ref, manage_link(live, data["contact"]["email"], ref))


def manage_link(live, booker: str, ref: str, subject: str = "Booking confirmed") -> str:
    """The manage link in the latest message to `booker` about `ref` whose subject starts with `subject`."""
    messages = [
        r
        for r in live.smtp.to(booker)
        if r.message["X-Booking-Ref"] == ref and str(r.message["Subject"]).startswith(subject)
    ]
    assert messages, f"no {subject!r} to the booker of {ref}"
    found = set(MANAGE_LINK.findall(messages[-1].text))
    (link,) = [u for u in found if u in messages[-1].html.replace("&amp;", "&")]
    return link


def access_link(live, delegate: str, ref: str) -> str:
    """The access-needs link in the latest confirmation to `delegate`."""
    (message, *_) = [r for r in reversed(live.smtp.to(delegate)) if r.message["X-Booking-Ref"] == ref]
    text = message.text
    assert "Access needs" in text
    (link,) = set(MANAGE_LINK.findall(text.split("Access needs", 1)[1]))
    return link


def fields(delegates: list[dict[str, str]], version: int | None, **extra: str) -> str:
    pairs = [(f"delegates[{i}][{k}]", v) for i, d in enumerate(delegates) for k, v in d.items()]
    if version is not None:
        pairs.append(("version", str(version)))
    pairs += list(extra.items())
    return urlencode(pairs)


def post_form(link: str, delegates: list[dict[str, str]], version: int | None) -> HttpResponse:
    return http("POST", link, fields(delegates, version), FORM_HEADERS | {"accept": "text/html"})


def post_json(link: str, body: dict[str, Any]) -> HttpResponse:
    return http("POST", link, json.dumps(body), JSON_HEADERS)


def get_json(link: str) -> dict[str, Any]:
    answer = http("GET", link, headers={"accept": "application/json"})
    assert answer.status == 200, answer.text
    return answer.json()
