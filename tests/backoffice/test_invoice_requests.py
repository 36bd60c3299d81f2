"""Invoice requests on the store, over real HTTP with the stand-in, the local engine and aiosmtpd: a request is a
stored booking in state requested with one e-mail to the booker; confirming takes the places and makes one
invoice however often it is pressed; a request that cannot have its places leaves no open invoice behind."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from adapters.store import places_key
from booking.life import Expired, State
from booking.reference import stripe_metadata
from flows.advance import advance
from functions.mailroom import mail
from tests.backoffice.conftest import EVENT, booking
from tests.functions.conftest import FORM_HEADERS, http


@pytest.fixture
def places(live, far_fees, tmp_path):
    """Give EVENT `n` places."""

    def limit(n: int) -> None:
        text = far_fees.read_text(encoding="utf-8")
        marker = f"  {EVENT}:\n"
        assert marker in text
        path = Path(tmp_path) / "fees.yaml"
        path.write_text(text.replace(marker, f"{marker}    places: {n}\n"), encoding="utf-8")
        live.configure(fees_path=path)

    return limit


def _press(live, token: str, times: int = 1) -> list:
    return [
        http("POST", live.url + "/api/bookings/invoice/confirm", urlencode({"token": token}), FORM_HEADERS)
        for _ in range(times)
    ]


def test_a_request_is_stored_as_requested_with_one_email_and_holds_no_places(live):
    data = booking(2, payment="invoice", purchase_order="PO-9")
    body = live.post_json(data).json()
    again = live.post_json(data).json()  # a double submit: the same request, no second e-mail
    assert again == body
    store = live.settings.store()
    stored = store.get(body["booking_ref"])
    assert stored is not None and stored.state == State.REQUESTED
    assert stored.record.billing is not None and stored.record.billing.email == "accounts.payable@nhs.net"
    assert stored.record.request_expires > stored.record.booked_at
    assert store.counter(places_key(EVENT)) == 0
    (message,) = live.wait_for_mail(1)
    assert message.rcpt_tos == [data["contact"]["email"]]
    assert "£654.90 including VAT" in message.text and "Delegate 2" in message.text
    assert "Accounts Payable <accounts.payable@nhs.net>" in message.text
    link = live.confirmation_link(body["booking_ref"])
    token = parse_qs(urlsplit(link).query)["token"][0]
    assert len(token) < 300  # the link carries the reference and its expiry, not the booking
    assert live.standin.requests == []  # Stripe has heard nothing
    assert live.smtp.received == []  # delivered before the answer: nothing more came


def test_confirming_twice_takes_the_places_once_and_makes_one_invoice(live):
    body = live.post_json(booking(3, payment="invoice")).json()
    token = parse_qs(urlsplit(live.confirmation_link(body["booking_ref"])).query)["token"][0]
    first, second = _press(live, token, 2)
    assert (first.status, second.status) == (303, 303)
    assert first.headers["location"] == second.headers["location"]
    (invoice,) = live.standin.app.billing.all_invoices()
    assert live.standin.app.billing.sent[invoice["id"]] == 1
    assert invoice["metadata"] == stripe_metadata(body["booking_ref"], EVENT)
    store = live.settings.store()
    stored = store.get(body["booking_ref"])
    assert stored.state == State.AWAITING_PAYMENT and stored.record.invoice_id == invoice["id"]
    assert stored.record.invoice_due  # the due date Stripe set, as an ISO date
    assert store.counter(places_key(EVENT)) == 3
    calls = len(live.standin.requests)
    opened = live.get(live.url + "/api/bookings/invoice/confirm?token=" + token)  # the link opened again
    assert opened.status == 303 and opened.headers["location"] == first.headers["location"]
    assert len(live.standin.requests) == calls  # nothing asked of Stripe


def test_a_request_made_again_after_its_link_expired_starts_over_with_a_new_email(live):
    data = booking(1, payment="invoice", tag="-lapsed")
    body = live.post_json(data).json()
    live.confirmation_link(body["booking_ref"])
    store = live.settings.store()
    # As the scheduled run does once the link's time is up (record.request_expires).
    letters = mail(live.settings)
    lapsed = Expired(store.get(body["booking_ref"]).record.request_expires)
    assert advance(store, body["booking_ref"], lapsed, about=letters.about, letterhead=letters.letterhead).changed
    assert store.get(body["booking_ref"]).state == State.EXPIRED
    again = live.post_json(data)
    assert again.status == 201 and again.json() == body
    assert store.get(body["booking_ref"]).state == State.REQUESTED
    assert live.confirm_invoice(body["booking_ref"]).status == 303  # the new e-mail's link works


def test_a_request_confirmed_after_the_places_went_is_sold_out_and_leaves_no_open_invoice(live, places):
    places(2)
    early = live.post_json(booking(2, payment="invoice", tag="-early")).json()
    late = live.post_json(booking(1, payment="invoice", tag="-late")).json()
    late_token = parse_qs(urlsplit(live.confirmation_link(late["booking_ref"])).query)["token"][0]
    assert live.confirm_invoice(early["booking_ref"]).status == 303
    (refused,) = _press(live, late_token)
    assert refused.status == 409 and "sold out" in refused.text
    store = live.settings.store()
    assert store.get(late["booking_ref"]).state == State.REQUESTED
    assert store.counter(places_key(EVENT)) == 2
    statuses = {i["metadata"]["booking_ref"]: i["status"] for i in live.standin.app.billing.all_invoices()}
    assert statuses == {early["booking_ref"]: "open", late["booking_ref"]: "void"}
    (void,) = [i for i in live.standin.app.billing.all_invoices() if i["status"] == "void"]
    assert live.standin.app.billing.sent.get(void["id"], 0) == 0  # finalised, never sent


def test_a_request_records_when_it_lapses_for_the_scheduled_run(live):
    body = live.post_json(booking(1, payment="invoice")).json()
    record = live.settings.store().get(body["booking_ref"]).record
    made, lapses = datetime.fromisoformat(record.booked_at), datetime.fromisoformat(record.request_expires)
    assert lapses - made == timedelta(hours=48) and lapses.utcoffset() == timedelta(0)
