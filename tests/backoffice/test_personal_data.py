"""Personal data by the schedule and by request, against the store and the Stripe stand-in with an injected clock:
`python -m bookings retention [--dry-run]` removes access needs 30 days after the event and not before, anonymises
names and addresses at 24 months and the sale at 6 years (the invoice and its totals stay); `person EMAIL
--export DIR` lists everything held about one address and `--erase` leaves no trace of it but what the law keeps.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from booking.life import Paid, RequestConfirmed, Requested, StripeFacts
from booking.record import BillingDetails, BookingRecord
from devtools.stripe_standin.testing import running_standin
from flows.person import _readable
from tests.backoffice.conftest import EVENT, OTHER_EVENT, booking
from tests.backoffice.dayof import AT, Office
from tests.fixture_site import FIXTURE_ORGANISER

UK = ZoneInfo("Europe/London")
NEEDS = "British Sign Language interpreter, please; step-free seating"
ZOE = "Zoë Quillfeather"
ZOE_AT = "zoe.quillfeather@nhs.net"
OURS = ("adapters", "booking", "bookings", "flows", "functions", "devtools")


@pytest.fixture
def standin() -> Iterator[Any]:
    with running_standin() as handle:
        yield handle


@pytest.fixture
def office(booking_store, store_environ, smtp, far_fees, tmp_path, standin) -> Office:
    made = Office(booking_store, store_environ, smtp, far_fees, tmp_path / "site")
    organiser = tmp_path / "site" / "organiser.yaml"
    shutil.copy(FIXTURE_ORGANISER, organiser)
    made.environ.update(
        STRIPE_SECRET_KEY="sk_test_personal_data", STRIPE_API_BASE=standin.api_base, ORGANISER_PATH=str(organiser)
    )
    return made


def uk(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UK)


def stripe_invoice(standin: Any, email: str, name: str, organisation: str, pence: int) -> dict[str, Any]:
    """A paid VAT invoice at the stand-in, to a customer as the invoice flow makes one."""
    api = standin.client()
    customer = api.v1.customers.create(
        params={"email": email, "name": name, "business_name": organisation, "address": {"line1": "Beckett Street"}}
    )
    invoice = api.v1.invoices.create(
        params={"customer": customer.id, "collection_method": "send_invoice", "days_until_due": 30, "currency": "gbp"}
    )
    api.v1.invoice_items.create(
        params={
            "customer": customer.id,
            "invoice": invoice.id,
            "amount": pence,
            "currency": "gbp",
            "description": "Places",
        }
    )
    api.v1.invoices.finalize_invoice(invoice.id)
    return api.v1.invoices.pay(invoice.id, params={"paid_out_of_band": True}).to_dict()


def invoiced(office: Office, record: BookingRecord, invoice: dict[str, Any]) -> str:
    office.step(record.ref, Requested(record))
    facts = StripeFacts(invoice_id=invoice["id"], invoice_number=invoice["number"], invoice_due="2083-08-31")
    office.step(record.ref, RequestConfirmed(AT, stripe=facts))
    office.step(record.ref, Paid(AT))
    return record.ref


def with_needs(record: BookingRecord, position: int, needs: str = NEEDS) -> BookingRecord:
    return record.amend(position, record.delegates[position].model_copy(update={"access_needs": needs}))


def delegate_list(office: Office, event: str = EVENT) -> list[dict[str, str]]:
    listed = office.run("export", event)
    assert listed.status == 0, listed.err
    return list(csv.DictReader(io.StringIO(listed.out)))


def everything_stored(office: Office) -> str:
    """Every item of the table as text, with each message's decoded text beside its bytes."""
    client = office.store._client
    items, arguments = [], {"TableName": office.store.table}
    while True:
        page = client.scan(**arguments)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            break
        arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    texts = []
    for item in items:
        raw = bytes(item.get("raw", {}).get("B", b""))
        texts.append(json.dumps(item, default=repr, ensure_ascii=False) + "\n" + _readable(raw)[1])
    return "\n".join(texts)


# The schedule.


def test_access_needs_go_30_days_after_the_event_and_not_before_and_names_at_24_months(office, standin):
    record = with_needs(office.make(3, "-r", payment="invoice"), 1)
    record = record.model_copy(
        update={"billing": BillingDetails(name="Accounts Payable", email="ap@nhs.net", address="Beckett Street\nLeeds")}
    )
    invoice = stripe_invoice(standin, "ap@nhs.net", "Accounts Payable", "Leeds Teaching Hospitals", record.gross_pence)
    ref = invoiced(office, record, invoice)
    before = delegate_list(office)
    messages_before = office.store.message_items(ref)
    assert any(m.raw for m in messages_before)

    # 14 September 2083 + 30 days = 14 October: the day before, nothing is due.
    early = office.run("retention", "--at", "2083-10-13 23:59")
    assert early.status == 0, early.err + early.out
    assert office.record(ref).delegates[1].access_needs == NEEDS
    assert "0 of 1 bookings changed; 1 had nothing due" in early.out

    stored_before = office.store.get(ref)
    dry = office.run("retention", "--dry-run", "--at", "2083-10-14 00:00")
    assert dry.status == 0, dry.err
    assert f"{ref}  access needs removed (1 delegate)" in dry.out and "dry run: nothing was changed" in dry.out
    assert office.store.get(ref) == stored_before
    assert office.store.message_items(ref) == messages_before

    due = office.run("retention", "--at", "2083-10-14 00:00")
    assert due.status == 0, due.err
    after = office.record(ref)
    assert [d.access_needs for d in after.delegates] == ["", "", ""]
    assert [d.name for d in after.delegates] == [d.name for d in record.delegates]  # names stay for 24 months
    assert all(m.raw == b"" for m in office.store.message_items(ref))  # the e-mails' text went with them
    assert "delegates' names, e-mail addresses and job titles" in due.out and "kept until 14 September 2085" in due.out
    assert NEEDS not in everything_stored(office)

    again = office.run("retention", "--at", "2083-10-14 00:05")  # twice is once
    assert "0 of 1 bookings changed" in again.out
    assert office.store.get(ref).version == 4

    office.run("retention", "--at", "2085-09-13 12:00")
    assert office.record(ref).delegates[0].name == "Delegate 1-r"
    at_24_months = office.run("retention", "--at", "2085-09-14 00:00")
    assert f"{ref}  3 delegates anonymised (name, e-mail, job title)" in at_24_months.out
    anonymous = office.record(ref)
    assert [(d.name, d.email, d.job_title) for d in anonymous.delegates] == [
        ("Delegate 1", "", ""),
        ("Delegate 2", "", ""),
        ("Delegate 3", "", ""),
    ]
    assert [d.organisation for d in anonymous.delegates] == [d.organisation for d in record.delegates]
    assert anonymous.amounts == record.amounts and anonymous.invoice_number == invoice["number"]
    assert all(m.to == "" for m in office.store.messages(ref))
    stored = everything_stored(office)
    assert "delegate1-r@nhs.net" not in stored and "Information Governance Lead" not in stored
    assert office.store.refs_of("delegate1-r@nhs.net") == []  # no key of theirs either (a hash, then gone)
    assert anonymous.contact.email == "priya.shah-r@nhs.net"  # the sale's records stay six years

    # The delegate list still opens and counts right: three places, the same money.
    listed = delegate_list(office)
    assert len(listed) == len(before) == 3
    assert [r["gross_pence"] for r in listed] == [r["gross_pence"] for r in before]

    # Six years on: the booker goes, the customer record at Stripe is deleted, the VAT invoice stays.
    office.run("retention", "--at", "2089-09-13 12:00")
    assert office.record(ref).contact.email
    sale = office.run("retention", "--at", "2089-09-14 00:00")
    assert sale.status == 0, sale.err + sale.out
    assert f"customer {invoice['customer']} deleted at Stripe" in sale.out
    assert office.record(ref).contact.model_dump() == {
        "name": "Booking contact",
        "email": "",
        "organisation": "Leeds Teaching Hospitals",
    }
    (customer,) = [c for c in standin.app.billing.all_customers() if c["id"] == invoice["customer"]]
    assert customer["deleted"] and customer["email"] is None and customer["name"] is None
    (kept,) = [i for i in standin.invoices() if i["id"] == invoice["id"]]
    assert (kept["status"], kept["total"]) == ("paid", record.gross_pence)
    assert "a VAT invoice: HMRC requires it kept for six years" in sale.out
    assert "0 of 1 bookings changed" in office.run("retention", "--at", "2089-09-15 00:00").out
    assert len(delegate_list(office)) == 3


def test_changing_a_period_in_the_file_changes_the_job(office):
    organiser = Path(office.environ["ORGANISER_PATH"])
    organiser.write_text(
        organiser.read_text(encoding="utf-8").replace("access_needs_days: 30", "access_needs_days: 7"), encoding="utf-8"
    )
    ref = office.card(with_needs(office.make(1, "-p"), 0))
    office.run("retention", "--at", "2083-09-20 12:00")
    assert office.record(ref).delegates[0].access_needs == NEEDS
    office.run("retention", "--at", "2083-09-21 00:00")
    assert office.record(ref).delegates[0].access_needs == ""


def test_the_scheduled_run_applies_the_schedule_once_a_day(office, standin):
    from adapters.mail.send import MailSession
    from booking.retention import Schedule
    from flows import scheduled
    from flows.advance import Mail
    from flows.retention import Job, no_mail
    from pricing.organiser import load_organiser

    ref = office.card(with_needs(office.make(1, "-s"), 0))
    job = Job(
        Schedule.of(load_organiser(FIXTURE_ORGANISER).retention),
        lambda event: datetime(2083, 9, 14).date() if event == EVENT else None,
        standin.client,
    )
    mail = Mail(about=no_mail, letterhead=office.letterhead, session=lambda: MailSession(office.smtp.url, None))
    not_its_turn = scheduled.run(
        office.store, mail, [EVENT], "2083-10-20T10:00:00+01:00", retention=job, kept_events=[EVENT]
    )
    assert not_its_turn.retention is None and office.record(ref).delegates[0].access_needs == NEEDS
    turn = scheduled.run(office.store, mail, [EVENT], "2083-10-20T02:03:00+01:00", retention=job, kept_events=[EVENT])
    assert turn.retention is not None and office.record(ref).delegates[0].access_needs == ""


# One person.


def test_a_delegate_booked_twice_exports_both_bookings_then_erasure_leaves_only_what_the_law_keeps(
    office, standin, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG)
    # Booked by a colleague onto one event (with access needs), and booking herself (and paying) onto another.
    colleague = office.make(["Sam Okafor", ZOE], "-a", emails=["sam.okafor@nhs.net", ZOE_AT])
    first = office.card(with_needs(colleague, 1))
    own = office.make([ZOE], "-b", payment="invoice", event=OTHER_EVENT, emails=[ZOE_AT])
    own = own.model_copy(
        update={
            "contact": own.contact.model_copy(
                update={"name": ZOE, "email": ZOE_AT, "organisation": "Leeds Teaching Hospitals"}
            ),
            "billing": BillingDetails(name=ZOE, email=ZOE_AT, address="Beckett Street\nLeeds LS9 7TF"),
        }
    )
    invoice = stripe_invoice(standin, ZOE_AT, ZOE, "Leeds Teaching Hospitals", own.gross_pence)
    second = invoiced(office, own, invoice)
    office.smtp.up = False
    third = office.card(office.make([ZOE], "-c", emails=[ZOE_AT]))  # its confirmation still waits to be sent

    exported = office.run("person", "Zoe.Quillfeather@NHS.net", "--export", str(tmp_path / "export"))
    assert exported.status == 0, exported.err
    held = json.loads((tmp_path / "export" / "personal-data.json").read_text(encoding="utf-8"))
    refs = [b["booking_ref"] for b in held["bookings"]]
    assert first in refs and second in refs and len(refs) == 3
    (as_delegate,) = [b for b in held["bookings"] if b["booking_ref"] == first]
    assert as_delegate["roles"] == ["delegate 2"] and as_delegate["as_delegate"][0]["access_needs"] == NEEDS
    assert "sam.okafor@nhs.net" not in json.dumps(held)  # a colleague's details are not hers to see
    (as_booker,) = [b for b in held["bookings"] if b["booking_ref"] == second]
    assert as_booker["roles"] == ["booker", "delegate 1", "invoice contact"]
    kinds = {(m["booking_ref"], m["kind"]) for m in held["messages"]}
    assert (first, "confirmation") in kinds and (second, "request") in kinds and (third, "confirmation") in kinds
    assert {m["status"] for m in held["messages"] if m["booking_ref"] == third} == {"pending"}
    assert any(ZOE in m["text"] for m in held["messages"] if m["booking_ref"] == third)
    assert [c["email"] for c in held["stripe"]["customers"]] == [ZOE_AT]
    page = (tmp_path / "export" / "personal-data.html").read_text(encoding="utf-8")
    assert "Zoë Quillfeather" in page and NEEDS in page and first in page and second in page

    erased = office.run("person", ZOE_AT.upper(), "--erase")
    assert erased.status == 0, erased.err + erased.out
    assert f"{first}  erased as delegate 2" in erased.out
    assert f"customer {invoice['customer']} deleted" in erased.out
    assert "the buyer's organisation, Leeds Teaching Hospitals, on the sale's record" in erased.out

    stored = everything_stored(office)
    for trace in (ZOE_AT, ZOE, NEEDS, "zoe.quillfeather"):
        assert trace.casefold() not in stored.casefold(), trace
    assert "sam.okafor@nhs.net" in stored  # the colleague is untouched
    clearable = json.dumps(standin.app.billing.all_customers(), ensure_ascii=False)
    assert ZOE_AT not in clearable and ZOE not in clearable
    # Her places still count: two on the colleague's booking and one on each of her own.
    assert len(delegate_list(office)) == 3 and len(delegate_list(office, OTHER_EVENT)) == 1
    assert {m.status for m in office.store.messages(third)} == {"refused"}  # withdrawn, never to be sent
    office.smtp.up = True
    assert office.run("outbox", "--retry").out.strip() == "nothing is waiting in the outbox"
    assert office.record(first).delegates[1].name == "Delegate 2"

    again = office.run("person", ZOE_AT, "--export", str(tmp_path / "again"))
    assert again.status == 0, again.err
    assert "nothing is held about this address but what the law keeps" in again.out
    assert "Leeds Teaching Hospitals" in again.out
    assert json.loads((tmp_path / "again" / "personal-data.json").read_text(encoding="utf-8"))["bookings"] == []

    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.split(".")[0] in OURS)
    for trace in (ZOE_AT, ZOE, NEEDS, "zoe.quillfeather"):
        assert trace.casefold() not in logged.casefold(), trace


def test_an_address_in_another_form_finds_the_same_person(office):
    ref = office.card(office.make(["Jürgen Müller"], "-i", emails=["juergen@münchen.de"]))
    for typed in ("Juergen@XN--MNCHEN-3YA.DE", "juergen@MÜNCHEN.de"):
        assert [s.record.ref for s in office.store.bookings_of(typed)] == [ref]


def test_a_substituted_delegate_is_no_longer_found_under_their_old_address(office):
    ref = office.card(office.make(2, "-x"))
    office.substitute(ref, 0, "Ola Nordmann", "ola@nhs.net")
    assert office.store.bookings_of("delegate1-x@nhs.net") == []
    assert [s.record.ref for s in office.store.bookings_of("ola@nhs.net")] == [ref]


def test_the_lambdas_scheduled_run_applies_the_organisers_schedule_at_its_daily_turn(office, standin):
    from functions.lambda_handler import scheduled_run
    from functions.settings import Settings

    ref = office.card(with_needs(office.make(1, "-l"), 0))

    def settings(at: str) -> Settings:
        return Settings(
            store_environ={**office.environ},
            stripe_secret_key="sk_test_personal_data",
            stripe_webhook_secret="whsec_test_personal_data",
            site_url="https://events.example.org",
            stripe_api_base=standin.api_base,
            fees_path=office.folder / "fees.yaml",
            events_dir=office.folder / "events",
            organiser_path=Path(office.environ["ORGANISER_PATH"]),
            smtp_url=office.smtp.url,
            mail_from="Bookings <bookings@events.example.org>",
            now=lambda: uk(at),
        )

    assert "anonymised" not in scheduled_run(settings("2083-10-20 14:00"))
    assert office.record(ref).delegates[0].access_needs == NEEDS
    assert scheduled_run(settings("2083-10-20 02:01"))["anonymised"] == 1
    assert office.record(ref).delegates[0].access_needs == ""
    assert scheduled_run(settings("2083-10-21 02:01"))["anonymised"] == 0


def test_a_booker_who_paid_by_card_is_erased_at_stripe_as_far_as_stripe_allows(live, booking_store, tmp_path):
    data = booking(1, tag="-card")
    data["contact"] |= {"name": ZOE, "email": ZOE_AT}
    ref = live.book_card(data)["booking_ref"]
    live.wait_for_mail(3)
    assert [c["email"] for c in live.standin.app.billing.all_customers()] == [ZOE_AT]  # the receipt's customer
    office = Office(booking_store, live.store_environ, live.smtp, live.fees_path, tmp_path / "site")
    office.environ.update(STRIPE_SECRET_KEY="sk_test_backoffice_suite", STRIPE_API_BASE=live.standin.api_base)

    held = office.run("person", ZOE_AT, "--export", str(tmp_path / "export"))
    assert held.status == 0, held.err
    stripe_held = json.loads((tmp_path / "export" / "personal-data.json").read_text(encoding="utf-8"))["stripe"]
    assert [len(stripe_held[k]) for k in ("customers", "invoices", "payments")] == [1, 1, 1]

    erased = office.run("person", ZOE_AT, "--erase")
    assert erased.status == 0, erased.err + erased.out
    (customer,) = live.standin.app.billing.all_customers()
    assert customer["deleted"] and customer["email"] is None
    assert "card payment cs_" in erased.out and "Stripe's API does not allow a completed payment" in erased.out
    assert "a VAT invoice: HMRC requires it kept for six years" in erased.out
    assert office.record(ref).contact.email == ""

    again = office.run("person", ZOE_AT, "--export", str(tmp_path / "again"))
    assert "nothing is held about this address but what the law keeps" in again.out
    assert "Leeds Teaching Hospitals NHS Trust" in again.out and "card payment cs_" in again.out


def test_a_replaced_delegate_who_asks_to_be_erased_leaves_no_trace_in_the_booking_they_left(office):
    ref = office.card(office.make(2, "-q"))
    office.substitute(ref, 1, "Ola Nordmann", "ola@nhs.net")
    assert "delegate2-q@nhs.net" in everything_stored(office)  # their confirmation and the notice they were replaced

    erased = office.run("person", "delegate2-q@nhs.net", "--erase")
    assert erased.status == 0, erased.err + erased.out
    stored = everything_stored(office)
    assert "delegate2-q@nhs.net" not in stored and "Delegate 2-q" not in stored
    assert "ola@nhs.net" in stored and office.record(ref).delegates[1].name == "Ola Nordmann"
    assert office.store.refs_of("delegate2-q@nhs.net") == []
