"""Purchase to pay, over real HTTP (the function, the Stripe stand-in, the bookings table, an SMTP server), as a
finance officer and the organiser meet it: a VAT invoice carrying every particular HMRC lists (VATREC5010), the
PO and the payment terms; reminders before and after the due date, each once (`python -m bookings chase`, with
an injectable clock); payment by bank transfer or marked paid outside Stripe; credit notes from the Dashboard."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bookings.cli import main
from pricing import format_pence
from tests.backoffice.conftest import MAIL_FROM, ORGANISERS, booking
from tests.fixture_site import FIXTURE_EVENTS, FIXTURE_ORGANISER
from tests.waiting import at_once, wait_until

PO = "PO-2027-004512"
BILLING_NAME = "Accounts Payable, Leeds Teaching Hospitals NHS Trust"


@pytest.fixture
def office(live):
    """The function configured as the organiser runs it: organiser's file, VAT tax id at Stripe."""
    tax_id = live.standin.app.billing.add_account_tax_id("GB123456789")
    live.configure(organiser_path=FIXTURE_ORGANISER, stripe_account_tax_id=tax_id)
    live.tax_id = tax_id
    return live


def _environ(live) -> dict[str, str]:
    return {
        **live.store_environ,
        "FEES_PATH": str(live.fees_path),
        "SMTP_URL": live.smtp.url,
        "MAIL_FROM": MAIL_FROM,
        "CONTACT_EMAIL": ORGANISERS,
        "ORGANISER_NAME": "Health IG Conferences",
        "STRIPE_SECRET_KEY": "sk_test_backoffice_suite",
        "STRIPE_API_BASE": live.standin.api_base,
    }


def run(live, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), _environ(live), out, err)
    return status, out.getvalue(), err.getvalue()


def _po_booking(tag: str, delegates: int = 3) -> dict[str, Any]:
    data = booking(delegates, payment="invoice", tag=tag, purchase_order=PO)
    data["billing"]["name"] = BILLING_NAME
    return data


def _field(invoice: dict[str, Any], name: str) -> str:
    return next((f["value"] for f in invoice["custom_fields"] or [] if f["name"] == name), "")


def _issued(invoice: dict[str, Any]) -> date:
    return datetime.fromtimestamp(invoice["status_transitions"]["finalized_at"], UTC).date()


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


# --- 3. A VAT invoice HMRC accepts: each particular of VATREC5010 (VAT Regulations 1995, reg. 14(1)) --------------

EVENT_TITLE = "Information Sharing & The Police"


def _delegates(invoice, data):
    return all(d["name"] in invoice["description"] for d in data["delegates"])


VATREC5010 = [
    # (a) a sequential number based on one or more series which uniquely identifies the document
    ("(a) unique sequential number", lambda inv, data, other: inv["number"] and inv["number"] != other["number"]),
    # (b) the time of supply (the tax point: the date of issue of an invoice issued before the event)
    (
        "(b) time of supply",
        lambda inv, data, other: (
            _field(inv, "Tax point (time of supply)") == _long(_issued(inv))
            and "Time of supply (tax point): the date of issue" in inv["footer"]
        ),
    ),
    # (c) the date of issue of the document (Stripe prints the date it was finalised)
    ("(c) date of issue", lambda inv, data, other: inv["status_transitions"]["finalized_at"] is not None),
    # (d) the name, address and registration number of the supplier
    (
        "(d) supplier name, address and VAT number",
        lambda inv, data, other: (
            "Health IG Conferences Ltd, 1 Example Street, Leeds LS1 4AP" in inv["footer"]
            and "VAT registration number GB123456789" in inv["footer"]
            and _field(inv, "Supplier VAT number") == "GB123456789"
        ),
    ),
    # (e) the name and address of the person to whom the services are supplied
    (
        "(e) customer name and address",
        lambda inv, data, other: (
            inv["customer_name"] == BILLING_NAME
            and inv["customer_address"]["line1"] == "Leeds Teaching Hospitals NHS Trust"
            and inv["customer_address"]["postal_code"] == "LS9 7TF"
        ),
    ),
    # (g) a description sufficient to identify the services supplied: the event, its date, the delegates
    (
        "(g) description: event, date, delegates",
        lambda inv, data, other: (
            EVENT_TITLE in inv["description"] and "2083" in inv["description"] and _delegates(inv, data)
        ),
    ),
    # (h) for each description, the extent of the services, the rate of VAT and the amount payable excluding VAT
    (
        "(h) per line: quantity, VAT rate, net amount",
        lambda inv, data, other: all(
            " × £" in line["description"] and "VAT at 20%" in line["description"] and "net £" in line["description"]
            for line in inv["lines"]["data"]
        ),
    ),
    # (i) the gross total amount payable, excluding VAT
    ("(i) total excluding VAT", lambda inv, data, other: "Net £" in inv["description"]),
    # (l) the total amount of VAT chargeable, expressed in sterling
    ("(l) total VAT in sterling", lambda inv, data, other: "VAT at 20% £" in inv["description"]),
    # (m) the unit price
    (
        "(m) unit price",
        lambda inv, data, other: all("× £" in line["description"] for line in inv["lines"]["data"]),
    ),
    # Beyond HMRC: what a public body's finance team matches and pays against.
    (
        "the PO, first custom field",
        lambda inv, data, other: inv["custom_fields"][0] == {"name": "PO number", "value": PO},
    ),
    (
        "payment terms from the fee table",
        lambda inv, data, other: (
            inv["days_until_due"] == 30
            and inv["due_date"] == inv["status_transitions"]["finalized_at"] + 30 * 86400
            and "Payment terms: 30 days from the date of issue" in inv["footer"]
        ),
    ),
    (
        "card or bank transfer",
        lambda inv, data, other: inv["payment_settings"]["payment_method_types"] == ["card", "customer_balance"],
    ),
]


@pytest.fixture
def issued(office):
    data = _po_booking("-hmrc")
    _, invoice = office.book_invoice(data)
    _, other = office.book_invoice(booking(1, payment="invoice", tag="-other"))
    return invoice, data, other


@pytest.mark.parametrize(("particular", "found"), VATREC5010, ids=[p for p, _ in VATREC5010])
def test_each_particular_hmrc_lists_is_on_the_stand_ins_invoice(issued, particular, found):
    invoice, data, other = issued
    assert found(invoice, data, other), f"{particular} is not on invoice {invoice['number']}"


def test_the_account_tax_id_and_the_lines_add_up_to_the_quote(issued, office):
    invoice, data, _ = issued
    assert invoice["account_tax_ids"] == [office.tax_id]
    assert invoice["total"] == office.quote(data).total_pence
    assert len(invoice["custom_fields"]) <= 4
    assert all(len(f["name"]) <= 40 and len(f["value"]) <= 140 for f in invoice["custom_fields"])


def test_a_returning_finance_team_gets_the_name_and_address_of_this_po(office):
    office.book_invoice(booking(1, payment="invoice", tag="-first"))
    data = booking(1, payment="invoice", tag="-second")
    data["billing"]["address"] = "NHS Shared Business Services\nPO Box 312\nLeeds\nLS11 1HP"
    _, second = office.book_invoice(data)
    assert (second["customer_address"]["line1"], second["customer_address"]["postal_code"]) == (
        "NHS Shared Business Services",
        "LS11 1HP",
    )
    first = next(i for i in office.standin.app.billing.all_invoices() if i["id"] != second["id"])
    assert first["customer_address"]["postal_code"] == "LS9 7TF"  # an issued invoice keeps its own


# --- the finance officer's path ----------------------------------------------------------------------------------


def _due(live, ref: str) -> date:
    stored = live.settings.store().get(ref)
    assert stored is not None and stored.record.invoice_due
    return date.fromisoformat(stored.record.invoice_due)


def _at(day: date) -> str:
    return f"{day.isoformat()} 09:00"


def _reminders(live, ref: str) -> list[str]:
    return [
        str(r.message["Message-ID"])
        for r in live.smtp.received
        if r.message["X-Booking-Ref"] == ref and ".reminder." in str(r.message["Message-ID"])
    ]


def _status(live, ref: str, at: date) -> str:
    status, out, err = run(live, "export", live.settings_event, "--at", _at(at))
    assert status == 0, err
    rows = [line for line in out.splitlines() if line.startswith(ref)]
    assert rows, out
    return rows[0]


def test_a_finance_officer_is_chased_once_per_reminder_pays_by_bank_transfer_and_a_credit_note_follows(office):
    office.settings_event = "caldicott-police-2083"
    data = _po_booking("-fo")
    body, invoice = office.book_invoice(data)
    ref = body["booking_ref"]
    due = _due(office, ref)
    assert invoice["custom_fields"][0]["value"] == PO

    # Nothing is due eight days before; the week-before reminder goes once, however often chase runs.
    assert run(office, "chase", "--at", _at(due - timedelta(days=8)))[0] == 0
    assert _reminders(office, ref) == []
    dry = run(office, "chase", "--dry-run", "--at", _at(due - timedelta(days=7)))
    assert (
        dry[0] == 0
        and f"{ref}  caldicott-police-2083  reminder -7  due in 7 days" in dry[1]
        and _reminders(office, ref) == []
    )
    for _ in range(2):
        status, _, err = run(office, "chase", "--at", _at(due - timedelta(days=7)))
        assert status == 0, err
    assert _reminders(office, ref) == [f"<{ref}.reminder.-7@events.example.org>"]
    week_before = next(r for r in office.smtp.received if ".reminder.-7" in str(r.message["Message-ID"]))
    assert str(week_before.message["Subject"]).startswith(f"Invoice {invoice['number']} is due on {_long(due)}")
    assert office.quote(data).total_pence == invoice["amount_remaining"]
    assert f"Amount due: {format_pence(invoice['amount_remaining'])} including VAT" in week_before.text
    assert PO in week_before.text and invoice["hosted_invoice_url"] in week_before.text

    # The due date passes: on the day, a week late, a fortnight late; each once, and the list says how late.
    for late in (0, 3, 7, 7, 14, 20):
        assert run(office, "chase", "--at", _at(due + timedelta(days=late)))[0] == 0
    assert _reminders(office, ref) == [f"<{ref}.reminder.{d:+d}@events.example.org>" for d in (-7, 0, 7, 14)]
    assert "invoiced, overdue 20 days" in _status(office, ref, due + timedelta(days=20))

    # The finance team pays by bank transfer, quoting the invoice number: Stripe reconciles it and says so.
    office.standin.app.billing.fund(invoice["customer"], invoice["amount_remaining"], reference=invoice["number"])
    wait_until(lambda: office.settings.store().get(ref).state == "confirmed", timeout=30, what="the booking paid")
    assert run(office, "chase", "--at", _at(due + timedelta(days=30)))[0] == 0
    assert len(_reminders(office, ref)) == 4
    assert ",paid," in _status(office, ref, due + timedelta(days=30))

    # Another booking, paid on Stripe's invoice page, is half credited in the Dashboard: one e-mail, the list says.
    other_body, other = office.book_invoice(booking(2, payment="invoice", tag="-cn"))
    other_ref = other_body["booking_ref"]
    office.standin.app.billing.pay(other["id"])
    wait_until(lambda: office.settings.store().get(other_ref).state == "confirmed", timeout=30, what="paid")
    half = other["total"] // 2
    note = office.standin.app.credit_notes.create(other["id"], half, refund_amount=half, reason="order_change")
    notices = wait_until(
        lambda: (
            [
                r
                for r in office.smtp.received
                if r.message["X-Booking-Ref"] == other_ref and ".credit_note." in str(r.message["Message-ID"])
            ]
            or None
        ),
        timeout=30,
        what="the credit-note e-mail",
    )
    assert len(notices) == 1
    text = notices[0].text
    assert note["number"] in text and other["number"] in text and "the booking was changed or cancelled" in text
    assert "of which VAT" in text and "goes back to the card" in text
    status_line = _status(office, other_ref, due)
    assert "paid, credited £" in status_line
    assert office.settings.store().get(other_ref).state == "confirmed"


# --- attacks -------------------------------------------------------------------------------------------------------


def _credit_events(live):
    return [e for e in live.standin.events if e.type == "credit_note.created"]


def test_two_deliveries_of_the_same_credit_note_at_once_send_one_e_mail(office):
    body, invoice = office.book_invoice(booking(2, payment="invoice", tag="-twice"))
    ref = body["booking_ref"]
    office.standin.app.credit_notes.create(invoice["id"], invoice["total"] // 2)
    wait_until(lambda: office.settings.store().get(ref).record.credit_notes or None, timeout=30, what="credited")
    (event,) = _credit_events(office)
    results = at_once(4, lambda _: office.standin.app.resend(event.id, resign=True))
    assert all(r.status == 200 for r in results), results
    wait_until(lambda: not office.settings.store().pending(), timeout=30, what="the outbox drained")
    notices = [r for r in office.smtp.received if ".credit_note." in str(r.message["Message-ID"])]
    assert len(notices) == 1
    stored = office.settings.store().get(ref)
    assert stored.state == "awaiting_payment" and stored.record.credited_pence == invoice["total"] // 2


def test_a_credit_note_then_a_void_cancels_once_and_replays_change_nothing(office):
    body, invoice = office.book_invoice(booking(2, payment="invoice", tag="-cv"))
    ref = body["booking_ref"]
    office.standin.app.credit_notes.create(invoice["id"], 1000, reason="order_change")
    office.standin.app.billing.void(invoice["id"])
    wait_until(lambda: office.settings.store().get(ref).state == "cancelled", timeout=30, what="cancelled")
    for event in list(office.standin.events):
        office.standin.app.resend(event.id, resign=True)
    wait_until(lambda: not office.settings.store().pending(), timeout=30, what="the outbox drained")
    kinds = [
        str(r.message["Message-ID"]).split("@")[0].split(".")[1]
        for r in office.smtp.received
        if r.message["X-Booking-Ref"] == ref
    ]
    assert kinds.count("credit_note") == 1 and kinds.count("void") == 1
    assert office.settings.store().counter(f"COUNTER#places#{invoice['metadata']['event']}") == 0


def test_a_full_credit_of_an_open_invoice_cancels_the_booking_and_is_not_taken_for_a_payment(office):
    body, invoice = office.book_invoice(booking(2, payment="invoice", tag="-full"))
    ref = body["booking_ref"]
    office.standin.app.credit_notes.create(invoice["id"], invoice["total"], reason="order_change")
    wait_until(lambda: office.settings.store().get(ref).state == "cancelled", timeout=30, what="cancelled")
    for event in list(office.standin.events):
        office.standin.app.resend(event.id, resign=True)
    subjects = [str(r.message["Subject"]) for r in office.smtp.received if r.message["X-Booking-Ref"] == ref]
    assert not any(s.startswith("Booking confirmed") for s in subjects)
    assert sum("Credit note" in s for s in subjects) == 1
    status, listed, _ = run(office, "export", "caldicott-police-2083")
    assert status == 0 and ref not in listed  # the delegate list (and so joining and certificates) leave it out
    status, everyone, _ = run(office, "export", "caldicott-police-2083", "--include-cancelled")
    rows = [line for line in everyone.splitlines() if line.startswith(ref)]
    assert status == 0 and len(rows) == 2 and all(",cancelled," in row for row in rows)


def test_reminders_racing_a_payment_send_nothing_once_paid(office):
    body, invoice = office.book_invoice(booking(1, payment="invoice", tag="-race"))
    ref = body["booking_ref"]
    due = _due(office, ref)
    office.configure(stripe_webhook_secret="whsec_not_the_one_the_stand_in_signs_with")  # the webhook never lands
    office.standin.app.billing.pay(invoice["id"], how="out_of_band")  # marked paid in the Dashboard
    results = at_once(3, lambda _: run(office, "chase", "--at", _at(due + timedelta(days=7))))
    assert all(r[0] == 0 for r in results), results
    assert _reminders(office, ref) == []
    assert office.settings.store().get(ref).state == "confirmed"  # the chase caught up from Stripe


def test_mail_server_down_half_way_loses_no_reminder_and_sends_none_twice(office):
    refs = []
    for tag in ("-m1", "-m2"):
        body, _ = office.book_invoice(booking(1, payment="invoice", tag=tag))
        refs.append(body["booking_ref"])
    due = _due(office, refs[0])
    office.smtp.up = False
    status, _, err = run(office, "chase", "--at", _at(due))
    assert status == 1 and "outbox --retry" in err
    assert all(_reminders(office, ref) == [] for ref in refs)
    office.smtp.up = True
    assert run(office, "chase", "--at", _at(due))[0] == 0  # nothing new is due; what waits goes now
    assert [len(_reminders(office, ref)) for ref in refs] == [1, 1]
    assert run(office, "chase", "--at", _at(due + timedelta(days=1)))[0] == 0
    assert [len(_reminders(office, ref)) for ref in refs] == [1, 1]


def test_chase_without_stripe_says_so_and_dry_run_still_lists(office):
    body, _ = office.book_invoice(booking(1, payment="invoice", tag="-nokey"))
    due = _due(office, body["booking_ref"])
    environ = {k: v for k, v in _environ(office).items() if k != "STRIPE_SECRET_KEY"}
    out, err = io.StringIO(), io.StringIO()
    assert main(["chase", "--at", _at(due)], environ, out, err) == 2 and "STRIPE_SECRET_KEY" in err.getvalue()
    out = io.StringIO()
    assert main(["chase", "--dry-run", "--at", _at(due)], environ, out, io.StringIO()) == 0
    assert f"{body['booking_ref']}  caldicott-police-2083  reminder +0  due today" in out.getvalue()


def test_the_scheduled_run_chases_too(office):
    from functions.lambda_handler import scheduled_run

    body, _ = office.book_invoice(booking(1, payment="invoice", tag="-sched"))
    ref = body["booking_ref"]
    due = _due(office, ref)
    office.configure(
        organiser_path=FIXTURE_ORGANISER,
        stripe_account_tax_id=office.tax_id,
        events_dir=FIXTURE_EVENTS,
        now=lambda: datetime.combine(due, datetime.min.time(), UTC) + timedelta(hours=10),
    )
    assert scheduled_run(office.settings)["reminded"] == 1
    assert scheduled_run(office.settings)["reminded"] == 0
    assert _reminders(office, ref) == [f"<{ref}.reminder.+0@events.example.org>"]
