"""Quotations and "PO to follow", over real HTTP with the stand-in, the local engine and aiosmtpd: a quote is made
and mailed only once the buyer confirms their address, its places count against capacity until it lapses or is
booked; a PO-to-follow booking has no Stripe invoice until its PO is added from the private link (once), and its
places come back when the hold ends (the scheduled run, with its clock given)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from adapters.store import places_key
from booking.life import State
from flows.purchase import sweep
from functions.mailroom import mail
from tests.backoffice.conftest import EVENT, booking
from tests.fixture_site import FIXTURE_ORGANISER
from tests.functions.conftest import FORM_HEADERS, http
from tests.waiting import at_once

PO_FORM = {
    "purchase_order": "PO-4471-LTH",
    "name": "Accounts Payable, Leeds Teaching Hospitals NHS Trust",
    "email": "accounts.payable@nhs.net",
    "address": "St James's University Hospital\nBeckett Street\nLeeds\nLS9 7TF",
}


@pytest.fixture
def places(live, far_fees, tmp_path):
    """Give EVENT `n` places."""

    def limit(n: int) -> None:
        text = far_fees.read_text(encoding="utf-8")
        marker = f"  {EVENT}:\n"
        path = tmp_path / "fees.yaml"
        path.write_text(text.replace(marker, f"{marker}    places: {n}\n"), encoding="utf-8")
        live.configure(fees_path=path, organiser_path=FIXTURE_ORGANISER)

    return limit


@pytest.fixture
def p2p(live):
    live.configure(organiser_path=FIXTURE_ORGANISER)
    return live


def _message(live, ref: str, subject: str):
    for received in live.wait_for_mail(1):
        # (A long subject is folded onto its own line: read it without the fold's leading space.)
        if received.message["X-Booking-Ref"] == ref and str(received.message["Subject"]).lstrip().startswith(subject):
            live.smtp.received.remove(received)
            return received
    return None


def _wait_message(live, ref: str, subject: str):
    from tests.waiting import wait_until

    return wait_until(lambda: _message(live, ref, subject), timeout=30, what=f"{subject!r} for {ref}")


def _token(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def _pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _pricing_cli(delegates: int) -> dict:
    run = subprocess.run(
        [sys.executable, "-m", "pricing", "quote", EVENT, "public-sector", str(delegates), "--payment", "invoice",
         "--json", "--fees", str(FIXTURE_ORGANISER.with_name("fees.yaml"))],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def _po_to_follow(live, tag: str) -> tuple[str, str]:
    """A one-delegate invoice booking with its PO to follow, confirmed: its reference and the PO link it was sent."""
    ref = live.post_json(booking(1, payment="invoice", tag=tag, po_to_follow=True)).json()["booking_ref"]
    assert _confirm(live, ref).status == 303
    link = re.search(r"(http\S+/api/bookings/po\?token=\S+)", _wait_message(live, ref, "Add your").text)[1]
    return ref, link


def _ask_quote(live, tag: str = "", delegates: int = 3):
    data = booking(delegates, tag=tag, intent="quote")
    response = live.post_json(data)
    assert response.status == 201, response.text
    return response.json()["booking_ref"]


def _confirm(live, ref: str):
    request = _wait_message(live, ref, "Confirm your booking request")
    link = re.search(r"(http\S+/api/bookings/invoice/confirm\?token=\S+)", request.text)[1]
    return http("POST", live.url + "/api/bookings/invoice/confirm", urlencode({"token": _token(link)}), FORM_HEADERS)


def test_a_quote_for_three_public_sector_places_is_held_mailed_as_a_pdf_and_booked_with_the_po_to_follow(p2p):
    live = p2p
    store = live.settings.store()
    ref = _ask_quote(live)
    assert store.get(ref).state == State.REQUESTED
    assert store.counter(places_key(EVENT)) == 0  # nothing held until the buyer confirms their address
    assert live.standin.requests == []
    confirmed = _confirm(live, ref)
    assert confirmed.status == 303 and "/api/bookings/quote?token=" in confirmed.headers["location"]
    stored = store.get(ref)
    assert stored.state == State.QUOTED and re.fullmatch(r"Q-\d{6}", stored.record.quote_number)
    assert store.counter(places_key(EVENT)) == 3
    expected = _pricing_cli(3)
    total = f"£{expected['total_pence'] / 100:,.2f}"
    # The e-mail: the quotation's PDF attached, and its link.
    quote_mail = _wait_message(live, ref, "Your quotation")
    (attachment,) = [p for p in quote_mail.message.iter_attachments()]
    text = _pdf_text(attachment.get_content())
    assert "This is not a VAT invoice" in text and "GB123456789" in text and total in text
    assert "Sort code: 12-34-56" in text and "Account number: 12345678" in text
    # The page and its PDF.
    page = live.get(confirmed.headers["location"])
    assert page.status == 200 and "This is not a VAT invoice" in page.text and total in page.text
    assert "GB123456789" in page.text and stored.record.quote_number in page.text
    pdf = live.get(confirmed.headers["location"] + "&format=pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "This is not a VAT invoice" in _pdf_text(pdf.body)
    # Book it with the PO to follow: no Stripe invoice yet; the PO link is e-mailed.
    token = _token(confirmed.headers["location"])
    booked = http(
        "POST", live.url + "/api/bookings/quote", urlencode({"token": token, "intent": "po_to_follow"}), FORM_HEADERS
    )
    assert booked.status == 200, booked.text
    assert store.get(ref).state == State.AWAITING_PO
    assert live.standin.app.billing.all_invoices() == []
    po_mail = _wait_message(live, ref, "Add your purchase order")
    po_link = re.search(r"(http\S+/api/bookings/po\?token=\S+)", po_mail.text)[1]
    # The PO link is for this one purpose: it does not open the quotation, nor the other way round.
    assert live.get(live.url + "/api/bookings/quote?token=" + _token(po_link)).status == 400
    form = live.get(po_link)
    assert form.status == 200 and 'for="purchase-order"' in form.text
    # Two presses at once with different POs: one PO, one invoice.
    sent = [
        {**PO_FORM, "token": _token(po_link)},
        {**PO_FORM, "token": _token(po_link), "purchase_order": "PO-OTHER"},
    ]
    answers = at_once(2, lambda i: http("POST", live.url + "/api/bookings/po", urlencode(sent[i]), FORM_HEADERS))
    assert sorted(a.status for a in answers) in ([303, 409], [303, 303])
    (invoice,) = live.standin.app.billing.all_invoices()
    stored = store.get(ref)
    assert stored.state == State.AWAITING_PAYMENT and stored.record.invoice_id == invoice["id"]
    assert invoice["custom_fields"][0] == {"name": "PO number", "value": stored.record.purchase_order}
    assert invoice["total"] == expected["total_pence"]
    assert store.counter(places_key(EVENT)) == 3
    again = http("POST", live.url + "/api/bookings/po", urlencode(sent[1]), FORM_HEADERS)
    assert again.status in (303, 409) and len(live.standin.app.billing.all_invoices()) == 1


def test_the_po_page_refuses_what_stripe_cannot_store_and_names_the_field(p2p):
    live = p2p
    data = booking(1, payment="invoice", tag="-po", po_to_follow=True)
    ref = live.post_json(data).json()["booking_ref"]
    assert _confirm(live, ref).status == 303
    link = re.search(r"(http\S+/api/bookings/po\?token=\S+)", _wait_message(live, ref, "Add your").text)[1]
    bad = {**PO_FORM, "token": _token(link), "purchase_order": "P" * 141, "address": ""}
    answer = http("POST", live.url + "/api/bookings/po", urlencode(bad), FORM_HEADERS)
    assert answer.status == 422
    assert "at most 140 characters" in answer.text and 'href="#billing-address"' in answer.text
    assert live.standin.app.billing.all_invoices() == []
    assert live.settings.store().get(ref).state == State.AWAITING_PO


def test_held_places_count_against_capacity_and_come_back_when_the_hold_ends(p2p, places):
    live = p2p
    places(3)
    store = live.settings.store()
    po_ref = live.post_json(booking(2, payment="invoice", tag="-hold", po_to_follow=True)).json()["booking_ref"]
    assert _confirm(live, po_ref).status == 303
    assert _wait_message(live, po_ref, "Add your purchase order")
    quote_ref = _ask_quote(live, tag="-q", delegates=1)
    assert _confirm(live, quote_ref).status == 303
    assert _wait_message(live, quote_ref, "Your quotation")
    assert store.counter(places_key(EVENT)) == 3
    # The event is full: a third request cannot be confirmed.
    late = _ask_quote(live, tag="-late", delegates=1)
    refused = _confirm(live, late)
    assert refused.status == 409 and "sold out" in refused.text
    letters = mail(live.settings)
    record = store.get(po_ref).record
    booked = datetime.fromisoformat(record.booked_at)
    # Day 7: the first reminder, once however often the run comes.
    for _ in range(2):
        sweep(store, live.fees, letters, booked + timedelta(days=7, minutes=1))
    assert _wait_message(live, po_ref, "Reminder: add your purchase order")
    # The hold ends (and the quotation lapses a while later): the places come back, the booker told once.
    hold_end = datetime.fromisoformat(record.po_hold_until) + timedelta(minutes=1)
    done = sweep(store, live.fees, letters, hold_end)
    assert done.released == [po_ref] and sweep(store, live.fees, letters, hold_end).released == []
    assert store.get(po_ref).state == State.EXPIRED and store.counter(places_key(EVENT)) == 1
    assert _wait_message(live, po_ref, "Places released")
    quote_end = datetime.fromisoformat(store.get(quote_ref).record.quote_expires) + timedelta(minutes=1)
    assert sweep(store, live.fees, letters, quote_end).quotes_lapsed == [quote_ref]
    assert store.counter(places_key(EVENT)) == 0
    assert live.standin.app.billing.all_invoices() == []
    assert [m for m in live.smtp.received if m.message["X-Booking-Ref"] in (po_ref, quote_ref)] == []


def test_a_stranger_with_the_form_mails_only_the_confirmation_and_holds_nothing(p2p):
    live = p2p
    ref = _ask_quote(live, tag="-stranger")
    assert live.post_json(booking(3, tag="-stranger", intent="quote")).json()["booking_ref"] == ref  # a repeat
    (message,) = live.wait_for_mail(1)
    assert str(message.message["Subject"]).startswith("Confirm your booking request")
    assert message.message.get_content_maintype() == "multipart" and not list(message.message.iter_attachments())
    assert live.settings.store().counter(places_key(EVENT)) == 0


def test_a_quote_booked_with_its_po_issues_one_invoice_for_the_quoted_amount_and_keeps_its_places(p2p):
    live = p2p
    store = live.settings.store()
    ref = _ask_quote(live, tag="-po-now", delegates=2)
    confirmed = _confirm(live, ref)
    assert _wait_message(live, ref, "Your quotation")
    token = _token(confirmed.headers["location"])
    missing = http("POST", live.url + "/api/bookings/quote", urlencode({"token": token, "intent": "po"}), FORM_HEADERS)
    assert missing.status == 422 and "Enter the purchase order number" in missing.text
    assert live.standin.app.billing.all_invoices() == []
    body = urlencode({**PO_FORM, "token": token, "intent": "po"})
    first, second = (http("POST", live.url + "/api/bookings/quote", body, FORM_HEADERS) for _ in range(2))
    assert first.status == 303 and "/api/bookings/invoice?invoice_id=in_" in first.headers["location"]
    assert second.status in (303, 409)
    (invoice,) = live.standin.app.billing.all_invoices()
    assert invoice["total"] == _pricing_cli(2)["total_pence"]
    assert invoice["custom_fields"][0] == {"name": "PO number", "value": "PO-4471-LTH"}
    stored = store.get(ref)
    assert stored.state == State.AWAITING_PAYMENT and stored.record.billing.name == PO_FORM["name"]
    assert store.counter(places_key(EVENT)) == 2
    # The quotation's link no longer books anything, and the scheduled run does not lapse a booked quotation.
    assert live.get(confirmed.headers["location"]).status == 409
    later = datetime.fromisoformat(stored.record.quote_expires) + timedelta(days=1)
    assert sweep(store, live.fees, mail(live.settings), later).quotes_lapsed == []
    assert store.counter(places_key(EVENT)) == 2


def test_a_po_link_past_its_hold_or_altered_opens_nothing(p2p):
    live = p2p
    ref, link = _po_to_follow(live, "-expiry")
    hold = datetime.fromisoformat(live.settings.store().get(ref).record.po_hold_until)
    live.configure(organiser_path=FIXTURE_ORGANISER, now=lambda: hold + timedelta(seconds=1))
    assert live.get(link).status == 410
    live.configure(organiser_path=FIXTURE_ORGANISER)
    token = _token(link)
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert live.get(live.url + "/api/bookings/po?token=" + altered).status == 400
    assert live.get(link).status == 200


def test_a_script_asking_for_many_quotes_is_stopped_after_a_few_an_hour(p2p):
    from flows.purchase import QUOTES_PER_CLIENT_PER_HOUR

    live = p2p
    answers = [
        live.post_json(booking(1, tag=f"-many{n}", intent="quote")) for n in range(QUOTES_PER_CLIENT_PER_HOUR + 2)
    ]
    assert [a.status for a in answers] == [201] * QUOTES_PER_CLIENT_PER_HOUR + [429, 429]
    assert answers[-1].headers["retry-after"] == "3600"
    assert "quotes can be asked for" in answers[-1].json()["errors"][0]["message"]
    assert len(live.wait_for_mail(QUOTES_PER_CLIENT_PER_HOUR)) == QUOTES_PER_CLIENT_PER_HOUR
    assert live.post_json(booking(1, tag="-after", payment="invoice")).status == 201  # bookings are not counted


def test_stripe_down_when_the_po_is_added_keeps_the_po_and_the_link_finishes_the_invoice_with_one_press(p2p):
    live = p2p
    ref, link = _po_to_follow(live, "-down")
    body = urlencode({**PO_FORM, "token": _token(link)})
    live.configure(organiser_path=FIXTURE_ORGANISER, stripe_api_base="http://127.0.0.1:9", stripe_timeout_seconds=0.5)
    down = http("POST", live.url + "/api/bookings/po", body, FORM_HEADERS)
    assert down.status in (502, 503) and "Your PO is recorded" in down.text
    stored = live.settings.store().get(ref)
    assert stored.state == State.AWAITING_PAYMENT and stored.record.purchase_order == PO_FORM["purchase_order"]
    live.configure(organiser_path=FIXTURE_ORGANISER)
    calls = len(live.standin.requests)
    opened = live.get(link)  # a mail scanner opening the link again makes nothing
    assert opened.status == 200 and "Send the invoice" in opened.text and len(live.standin.requests) == calls
    again = http("POST", live.url + "/api/bookings/po", body, FORM_HEADERS)  # the PO form sent again makes nothing
    assert again.status == 409 and "Send the invoice" in again.text and len(live.standin.requests) == calls
    button = {"token": _token(link), "finish": "invoice"}  # what the page's one button sends
    pressed = http("POST", live.url + "/api/bookings/po", urlencode(button), FORM_HEADERS)
    assert pressed.status == 303, pressed.text
    (invoice,) = live.standin.app.billing.all_invoices()
    assert invoice["custom_fields"][0] == {"name": "PO number", "value": PO_FORM["purchase_order"]}
    assert live.settings.store().get(ref).record.invoice_id == invoice["id"]


def test_a_po_that_loses_the_race_to_another_makes_no_invoice_and_the_winners_is_made_once(p2p, monkeypatch):
    """Two presses at once, made certain: the other PO lands after this form opened the link and before it adds
    its own. The loser answers 409 and touches nothing at Stripe (two requests making one invoice at the same
    moment collide there, and both fail); the winner's invoice is the one made."""
    import flows.purchase

    live = p2p
    _, link = _po_to_follow(live, "-race")
    add_po = flows.purchase.add_po

    def the_other_press_first(store, ref_, at, details, mail):
        add_po(store, ref_, at, details._replace(purchase_order="PO-FIRST"), mail)
        return add_po(store, ref_, at, details, mail)

    monkeypatch.setattr(flows.purchase, "add_po", the_other_press_first)
    lost = http("POST", live.url + "/api/bookings/po", urlencode({**PO_FORM, "token": _token(link)}), FORM_HEADERS)
    assert lost.status == 409 and "already" in lost.text
    assert live.standin.app.billing.all_invoices() == []
    monkeypatch.undo()
    button = {"token": _token(link), "finish": "invoice"}
    finished = http("POST", live.url + "/api/bookings/po", urlencode(button), FORM_HEADERS)
    assert finished.status == 303, finished.text
    (invoice,) = live.standin.app.billing.all_invoices()
    assert invoice["custom_fields"][0] == {"name": "PO number", "value": "PO-FIRST"}


def test_a_quote_booked_by_two_presses_at_once_leaves_the_invoice_to_the_first(p2p, monkeypatch):
    import flows.purchase

    live = p2p
    ref = _ask_quote(live, tag="-race", delegates=1)
    token = _token(_confirm(live, ref).headers["location"])
    assert _wait_message(live, ref, "Your quotation")
    accept_quote = flows.purchase.accept_quote

    def the_other_press_first(store, ref_, at, fees, details, mail):
        accept_quote(store, ref_, at, fees, details, mail)
        return accept_quote(store, ref_, at, fees, details, mail)

    monkeypatch.setattr(flows.purchase, "accept_quote", the_other_press_first)
    body = urlencode({**PO_FORM, "token": token, "intent": "po"})
    lost = http("POST", live.url + "/api/bookings/quote", body, FORM_HEADERS)
    assert lost.status == 409 and "booked already" in lost.text
    assert live.standin.app.billing.all_invoices() == []
    monkeypatch.undo()
    again = http("POST", live.url + "/api/bookings/quote", body, FORM_HEADERS)
    assert again.status == 409 and "Send the invoice" in again.text
    assert live.standin.app.billing.all_invoices() == []
    button = urlencode({"token": token, "finish": "invoice"})
    assert http("POST", live.url + "/api/bookings/quote", button, FORM_HEADERS).status == 303
    assert len(live.standin.app.billing.all_invoices()) == 1


def _chase(live, moment: datetime, *args: str, **environ: str) -> tuple[int, str, str]:
    """`python -m bookings chase --at ...` as the organiser runs it, with the function's link secret and site."""
    from bookings.cli import main
    from pricing import UK
    from tests.backoffice.test_purchase_to_pay import _environ

    settings = {"BOOKING_LINK_SECRET": live.settings.link_secret, "SITE_URL": live.settings.site_url, **environ}
    at = moment.astimezone(UK).strftime("%Y-%m-%d %H:%M")
    out, err = io.StringIO(), io.StringIO()
    status = main(["chase", "--at", at, *args], {**_environ(live), **settings}, out, err)
    return status, out.getvalue(), err.getvalue()


def test_chase_does_purchase_to_pays_chasing_reminding_releasing_and_lapsing_each_once(p2p):
    live = p2p
    store = live.settings.store()
    po_ref = live.post_json(booking(2, payment="invoice", tag="-chase", po_to_follow=True)).json()["booking_ref"]
    assert _confirm(live, po_ref).status == 303
    assert _wait_message(live, po_ref, "Add your purchase order")
    quote_ref = _ask_quote(live, tag="-chase-q", delegates=1)
    assert _confirm(live, quote_ref).status == 303
    assert _wait_message(live, quote_ref, "Your quotation")
    record = store.get(po_ref).record
    day7 = datetime.fromisoformat(record.booked_at) + timedelta(days=7, minutes=1)

    # Dry: says what would go, changes and sends nothing (and without the link secret, says it could not go).
    status, out, err = _chase(live, day7, "--dry-run", BOOKING_LINK_SECRET="")
    assert status == 0, err
    assert f"{po_ref}  {EVENT}  PO reminder would be sent to {record.contact.email}" in out
    assert "purchase to pay: 0 quotations lapsed, 1 PO reminders, 0 PO holds ended (dry run: nothing changed)" in out
    assert "1 PO reminders would not be sent: BOOKING_LINK_SECRET is not set" in err
    assert store.get(po_ref).record.po_reminders == frozenset()
    # Without the link secret the reminder cannot carry its link: not sent, and the exit status says so.
    status, out, err = _chase(live, day7, BOOKING_LINK_SECRET="")
    assert status == 1 and "1 PO reminders not sent: BOOKING_LINK_SECRET is not set" in err
    assert store.get(po_ref).record.po_reminders == frozenset()
    # Day 7: the reminder, once however often chase runs; its link opens the PO page.
    for _ in range(2):
        status, out, err = _chase(live, day7)
        assert status == 0, err
    reminder = _wait_message(live, po_ref, "Reminder: add your purchase order")
    again = [m for m in live.smtp.received if str(m.message["Subject"]).startswith("Reminder: add your purchase")]
    assert again == []  # the second run sent none
    po_link = re.search(r"(http\S+/api/bookings/po\?token=\S+)", reminder.text)[1]
    assert live.get(po_link).status == 200
    # The hold ends: its places are released and the booker told, once; the quotation lapses later.
    hold_end = datetime.fromisoformat(record.po_hold_until) + timedelta(minutes=1)
    status, out, err = _chase(live, hold_end)
    assert status == 0, err
    assert f"{po_ref}  {EVENT}  PO hold ended: 2 places released, booker told ({record.contact.email})" in out
    assert "purchase to pay: 0 quotations lapsed, 0 PO reminders, 1 PO holds ended" in out
    assert store.get(po_ref).state == State.EXPIRED and _wait_message(live, po_ref, "Places released")
    quote = store.get(quote_ref).record
    quote_end = datetime.fromisoformat(quote.quote_expires) + timedelta(minutes=1)
    status, out, err = _chase(live, quote_end)
    assert status == 0, err
    assert f"{quote_ref}  {EVENT}  quotation {quote.quote_number} lapsed: 1 places came back" in out
    assert store.get(quote_ref).state == State.EXPIRED and store.counter(places_key(EVENT)) == 0
    status, out, err = _chase(live, quote_end)
    assert "purchase to pay: 0 quotations lapsed, 0 PO reminders, 0 PO holds ended" in out


def test_the_dev_servers_scheduled_run_lapses_a_quotation_through_the_functions_own_handler(p2p, monkeypatch):
    """`make dev`'s scheduler invokes functions.lambda_handler.handler with the schedule's event, as EventBridge
    does: a quotation past its valid-until lapses (its places come back), with one line said, however many runs."""
    from devtools.devserver.schedule import ScheduledRuns, invoke_schedule
    from flows.purchase import confirm_quote
    from tests.waiting import wait_until

    live = p2p
    store = live.settings.store()
    ref = _ask_quote(live, tag="-dev", delegates=2)
    _wait_message(live, ref, "Confirm your booking request")
    # Confirmed 40 days ago: valid for 30, so it lapsed 10 days ago (the scheduler runs on the real clock).
    made = confirm_quote(store, ref, datetime.now(UTC) - timedelta(days=40), live.fees, mail(live.settings))
    assert made.changed and store.counter(places_key(EVENT)) == 2
    assert _wait_message(live, ref, "Your quotation")
    for name, value in {
        "STRIPE_SECRET_KEY": live.settings.stripe_secret_key,
        "STRIPE_WEBHOOK_SECRET": live.settings.stripe_webhook_secret,
        "SITE_URL": live.url,
        "STRIPE_API_BASE": live.standin.api_base,
        "FEES_PATH": str(live.fees_path),
        "SMTP_URL": live.smtp.url,
        "MAIL_FROM": "Bookings <bookings@events.example.org>",
        **live.store_environ,
    }.items():
        monkeypatch.setenv(name, value)
    runs: list[dict] = []
    said: list[str] = []
    scheduler = ScheduledRuns(0.05, lambda: runs.append(dict(invoke_schedule())) or runs[-1], said.append)
    scheduler.start()
    try:
        wait_until(lambda: len(runs) >= 3, timeout=30, what="three scheduled runs")
    finally:
        scheduler.stop()
    assert store.get(ref).state == State.EXPIRED and store.counter(places_key(EVENT)) == 0
    assert [r["quotes_lapsed"] for r in runs[:3]] == [1, 0, 0]
    assert said == ["scheduled run: 1 quotations lapsed"]
