"""Discount codes and the early-booking rate over real HTTP, with the real SDK and the stand-in: what Stripe is
asked to charge is `python -m pricing quote` with the same arguments, and a 100% code books with no payment."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from adapters.store import places_key
from booking.life import State
from booking.reference import stripe_metadata
from pricing import CODE_REFUSED, UK, load_fee_table
from pricing.cli import main as pricing_cli
from tests.backoffice.conftest import _serve, booking
from tests.fixture_site import EARLY_RATE_EVENT, FIXTURE_FEES, OPEN_EVENT
from tests.functions.conftest import FORM_HEADERS, http

PLAIN = OPEN_EVENT  # no early rate
EARLY = EARLY_RATE_EVENT  # an early rate running now


@pytest.fixture(scope="module")
def code_fees(tmp_path_factory) -> Path:
    """The test site's fee table (closing in 2083) with its early rate on EARLY replaced by one that runs for
    another 30 days from now, and codes: 15% anywhere, 100% for PLAIN, and one that expired yesterday."""
    text = FIXTURE_FEES.read_text(encoding="utf-8")
    early = '    early_booking: {until: "2083-03-31 23:59", percent: 10}\n'
    assert text.count(early) == 1
    text = text.replace(early, "")
    until = (datetime.now(UK) + timedelta(days=30)).strftime("%Y-%m-%d %H:%M")
    yesterday = (datetime.now(UK) - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    text = text.replace(f"  {EARLY}:\n", f'  {EARLY}:\n    early_booking: {{until: "{until}", percent: 10}}\n').split(
        "\ncodes:"
    )[0]
    text += f"""
codes:
  TEST15: {{percent: 15}}
  FREE100: {{percent: 100, events: [{PLAIN}]}}
  OLD20: {{percent: 20, until: "{yesterday}"}}
"""
    path = tmp_path_factory.mktemp("code-fees") / "fees.yaml"
    path.write_text(text, encoding="utf-8")
    fees = load_fee_table(path)
    assert fees.events[EARLY].early_booking and not fees.events[PLAIN].early_booking
    return path


@pytest.fixture
def live(smtp, code_fees, live_store):
    from devtools.stripe_standin.testing import running_standin

    yield from _serve(running_standin, smtp, code_fees, live_store)


def cli_quote(fees: Path, event: str, category: str, delegates: int, payment: str, code: str | None) -> dict:
    """`python -m pricing quote ... --json`, run in this process (the same code path as the command)."""
    argv = ["--fees", str(fees), "quote", event, category, str(delegates), "--payment", payment, "--json"]
    argv += ["--at", datetime.now(UK).strftime("%Y-%m-%d %H:%M")]
    if code:
        argv += ["--code", code]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert pricing_cli(argv) == 0
    return json.loads(out.getvalue())


CASES = list(
    itertools.product(
        ["public-sector", "voluntary", "commercial"],
        [1, 2, 5],
        ["card", "invoice"],
        [(PLAIN, None), (EARLY, None), (PLAIN, "test15"), (EARLY, "Test15")],  # none, early, code, both
    )
)


def test_every_category_count_payment_rate_and_code_charges_exactly_the_cli_quote(live, code_fees):
    for n, (category, delegates, payment, (event, code)) in enumerate(CASES):
        data = booking(delegates, category, event, payment, tag=f"-{n}")
        if code:
            data["code"] = code
        expected = cli_quote(code_fees, event, category, delegates, payment, code)
        assert ("early_booking" in [d["kind"] for d in expected["discounts"]]) is (event == EARLY)
        response = live.post_json(data)
        assert response.status == 201, response.text
        body = response.json()
        assert body["total_pence"] == expected["total_pence"], (category, delegates, payment, event, code)
        if payment == "card":
            session = next(s for s in live.standin.sessions() if s["client_reference_id"] == body["booking_ref"])
            items = live.standin.app.line_items(session["id"])
            listed = sum(i["price"]["unit_amount"] * i["quantity"] for i in items)
            discount = session["total_details"]["amount_discount"]
            assert session["amount_total"] == listed - discount == expected["total_pence"]
            assert discount == expected["code_discount_pence"]
            assert sum(i["amount_total"] for i in items) == expected["total_pence"]
        else:
            assert live.confirm_invoice(body["booking_ref"]).status == 303  # the booker confirms from the e-mail
            invoice = live.invoice_of(body["booking_ref"])
            amounts = [line["amount"] for line in invoice["lines"]["data"]]
            assert sum(amounts) == invoice["amount_due"] == expected["total_pence"]
            assert [a for a in amounts if a < 0] == ([-expected["code_discount_pence"]] if code else [])


def test_the_command_itself_prints_the_same_quote(code_fees):
    at = datetime.now(UK).strftime("%Y-%m-%d %H:%M")
    args = ["--fees", str(code_fees), "quote", EARLY, "voluntary", "5", "--payment", "invoice", "--code", "TEST15"]
    done = subprocess.run(
        [sys.executable, "-m", "pricing", *args, "--at", at, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == cli_quote(code_fees, EARLY, "voluntary", 5, "invoice", "TEST15") | {
        "booked_at": json.loads(done.stdout)["booked_at"]
    }


def test_the_code_is_recorded_and_shown_on_checkout_as_its_own_line(live):
    body = live.book_card(booking(2, code="test15"), pay=True)
    session = next(s for s in live.standin.sessions() if s["client_reference_id"] == body["booking_ref"])
    page = live.get(live.standin.checkout_url(session["id"]))
    assert "Code TEST15 (15% off)" in page.text
    stored = live.settings.store().get(body["booking_ref"])
    assert stored is not None and stored.record.code == "TEST15"


@pytest.mark.parametrize(
    ("event", "code", "words"),
    [
        (PLAIN, "NOSUCH", CODE_REFUSED),  # unknown,
        (PLAIN, "old20", CODE_REFUSED),  # expired
        (EARLY, "FREE100", CODE_REFUSED),  # and for another event: one message, so a guess learns nothing
        (PLAIN, "TWO WORDS", "A discount code is letters and digits with no spaces: check the one you were given"),
    ],
)
def test_a_code_that_cannot_be_used_is_a_422_on_code_and_nothing_reaches_stripe(live, event, code, words):
    response = live.post_json(booking(1, event=event, code=code))
    assert response.status == 422
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["code"] and errors[0]["message"] == words
    assert live.standin.requests == []


def test_unknown_expired_and_other_event_codes_get_answers_alike_but_for_the_code(live):
    answers = [
        live.post_json(booking(1, event=event, code=code, tag="-alike"))
        for event, code in [(PLAIN, "NOSUCH"), (PLAIN, "old20"), (EARLY, "FREE100")]
    ]
    assert {a.status for a in answers} == {422}
    assert len({a.text for a in answers}) == 1, [a.text for a in answers]
    assert {a.headers["content-type"] for a in answers} == {answers[0].headers["content-type"]}


@pytest.mark.parametrize("payment", ["card", "invoice"])
def test_a_hundred_percent_code_is_confirmed_from_the_bookers_email_then_the_emails_go_once(live, payment):
    data = booking(2, payment=payment, code="free100")
    response = live.post_json(data)
    assert response.status == 201, response.text
    body = response.json()
    assert set(body) == {"booking_ref", "total_pence", "confirmation_url"} and body["total_pence"] == 0
    page = live.get(body["confirmation_url"])
    assert page.status == 200 and "Check your e-mail to confirm your booking" in page.text
    assert "Confirm the booking" in page.text and "no invoice" not in page.text
    # Nothing but the request has gone: no delegate hears of it, Stripe knows nothing, no place is held.
    request = live.wait_for_mail(1)
    assert [r.rcpt_tos for r in request] == [[data["contact"]["email"]]]
    assert "covers the whole fee" in request[0].text and "FREE100" in request[0].text
    assert live.standin.sessions() == [] and live.standin.app.billing.all_invoices() == []
    stored = live.settings.store().get(body["booking_ref"])
    assert stored is not None and stored.state == State.REQUESTED
    assert live.settings.store().counter(places_key(PLAIN)) == 0

    confirmed = live.confirm_invoice(body["booking_ref"])
    assert confirmed.status == 303, confirmed.text
    assert "/api/bookings/confirmation?invoice_id=in_" in confirmed.headers["location"]
    assert live.settings.store().get(body["booking_ref"]).state == State.CONFIRMED
    assert live.settings.store().counter(places_key(PLAIN)) == 2
    assert live.standin.sessions() == []  # no Checkout, no PaymentIntent
    invoice = live.invoice_of(body["booking_ref"])
    assert (invoice["status"], invoice["total"], invoice["amount_paid"]) == ("paid", 0, 0)
    assert invoice["metadata"] == stripe_metadata(body["booking_ref"], PLAIN)
    before = cli_quote(live.fees_path, PLAIN, "public-sector", 2, payment, None)["total_pence"]
    assert [line["amount"] for line in invoice["lines"]["data"]][-1] == -before
    _assert_one_message_each(live, data)
    booker = live.smtp.to(data["contact"]["email"])[0]
    assert "discount code covers the whole fee" in booker.text and "FREE100" in booker.text
    # Delegates are whoever the booker named: they are told a code paid for their place, never which.
    for delegate in data["delegates"]:
        (message,) = live.smtp.to(delegate["email"])
        assert "a discount code" in message.text and "free100" not in (message.text + message.html).lower()
    page = live.get(confirmed.headers["location"])
    assert page.status == 200 and "Booking confirmed" in page.text and "nothing to pay" in page.text
    assert body["booking_ref"] in page.text


def test_a_free_booking_sends_nothing_to_delegates_until_the_booker_confirms(live):
    data = booking(2, code="FREE100", tag="-wait")
    body = live.post_json(data).json()
    live.wait_for_mail(1)
    assert {r.rcpt_tos[0] for r in live.smtp.received} == {data["contact"]["email"]}
    assert live.settings.store().pending(body["booking_ref"]) == []  # the request went; nothing else is waiting


def _assert_one_message_each(live, data) -> None:
    people = [data["contact"]["email"], *(d["email"] for d in data["delegates"])]
    received = live.wait_for_mail(len(set(people)))
    recipients = [address for message in received for address in message.rcpt_tos]
    assert {address: recipients.count(address) for address in people} == dict.fromkeys(people, 1)
    assert len(recipients) == len(set(recipients)), recipients  # nobody (the organiser included) twice


def test_a_free_booking_from_the_form_without_javascript_is_sent_to_check_the_email(live):
    response = live.post_form(booking(1, code="FREE100", tag="-form"))
    assert response.status == 303
    assert "/api/bookings/invoice/requested?booking_ref=CP-" in response.headers["location"]


def test_the_same_free_booking_sent_twice_is_one_request_and_confirmed_twice_is_one_booking(live):
    data = booking(1, code="FREE100", tag="-twice")
    first, second = live.post_json(data).json(), live.post_json({**data, "code": "free100"}).json()
    assert first == second
    token = parse_qs(urlsplit(live.confirmation_link(first["booking_ref"])).query)["token"][0]
    answers = [
        http("POST", live.url + "/api/bookings/invoice/confirm", urlencode({"token": token}), FORM_HEADERS)
        for _ in range(2)
    ]
    assert [a.status for a in answers] == [303, 303]
    assert answers[0].headers["location"] == answers[1].headers["location"]
    assert len([i for i in live.standin.app.billing.all_invoices() if i["total"] == 0]) == 1
    _assert_one_message_each(live, data)
