"""The retention schedule on one booking and one person's erasure, as life transitions: each period from the
event's date, what goes and what stays (places, organisations, amounts, the invoice), and twice is once."""

from __future__ import annotations

from datetime import date

import pytest

from booking import life
from booking.life import Anonymised, Booking, Delivered, Erased, Kind, State
from booking.record import Amount, Attendee, BillingDetails, BookingRecord, Contact
from booking.retention import Schedule, Stage, add_months

AT = "2090-01-01T00:00:00+00:00"
SCHEDULE = Schedule(access_needs_days=30, delegate_months=24, sale_record_years=6)
EVENT_DAY = date(2083, 9, 14)


def _booking() -> Booking:
    record = BookingRecord(
        ref="CP-ABCDEF",
        event="caldicott-police-2083",
        category="nhs",
        payment="invoice",
        contact=Contact(name="Sam Lee", email="sam@nhs.net", organisation="Leeds NHS"),
        delegates=(
            Attendee(name="Sam Lee", email="Sam@NHS.net", job_title="IG Lead", organisation="Leeds NHS"),
            Attendee(name="Ana Ruiz", email="ana@nhs.net", job_title="DPO", access_needs="BSL interpreter"),
        ),
        amounts=(Amount(net_pence=26550, vat_pence=5310),) * 2,
        billing=BillingDetails(name="Sam Lee", email="sam@nhs.net", address="Beckett Street\nLeeds"),
        invoice_number="ABC-0001",
        mail_failures=("ana@nhs.net",),
    )
    return Booking(record, State.CONFIRMED, 4)


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (date(2083, 10, 13), set()),
        (date(2083, 10, 14), {Stage.ACCESS_NEEDS}),
        (date(2085, 9, 13), {Stage.ACCESS_NEEDS}),
        (date(2085, 9, 14), {Stage.ACCESS_NEEDS, Stage.DELEGATES}),
        (date(2089, 9, 13), {Stage.ACCESS_NEEDS, Stage.DELEGATES}),
        (date(2089, 9, 14), set(Stage)),
    ],
)
def test_each_period_runs_from_the_event_day(today: date, due: set[Stage]) -> None:
    assert SCHEDULE.due(EVENT_DAY, today) == due


def test_a_month_from_the_thirty_first_ends_on_the_last_day_of_a_shorter_month() -> None:
    assert add_months(date(2083, 1, 31), 1) == date(2083, 2, 28)
    assert add_months(date(2084, 1, 31), 25) == date(2086, 2, 28)


def test_access_needs_go_and_everything_else_stays() -> None:
    step = life.apply(_booking(), Anonymised(frozenset({Stage.ACCESS_NEEDS}), AT))
    assert step.changed and step.sends == () and step.places == 0 and step.state == State.CONFIRMED
    record = step.booking.record
    assert [d.access_needs for d in record.delegates] == ["", ""]
    assert record.delegates[1].name == "Ana Ruiz" and record.anonymised == {"access_needs"}


def test_delegates_become_numbered_places_with_their_organisations() -> None:
    record = life.apply(_booking(), Anonymised(frozenset({Stage.ACCESS_NEEDS, Stage.DELEGATES}), AT)).booking.record
    assert [(d.name, d.email, d.job_title, d.organisation) for d in record.delegates] == [
        ("Delegate 1", "", "", "Leeds NHS"),
        ("Delegate 2", "", "", ""),
    ]
    assert record.mail_failures == () and record.contact.email == "sam@nhs.net"
    assert record.gross_pence == _booking().record.gross_pence and record.invoice_number == "ABC-0001"


def test_the_sale_keeps_the_organisation_and_the_invoice() -> None:
    record = life.apply(_booking(), Anonymised(frozenset(Stage), AT)).booking.record
    assert record.contact == Contact(name="Booking contact", email="", organisation="Leeds NHS")
    assert record.billing == BillingDetails(name="Leeds NHS", email="", address="Beckett Street\nLeeds")
    assert record.amounts == _booking().record.amounts


def test_twice_is_once() -> None:
    once = life.apply(_booking(), Anonymised(frozenset(Stage), AT))
    again = life.apply(once.booking, Anonymised(frozenset(Stage), AT))
    assert not again.changed and again.sends == ()


def test_erasing_a_person_removes_them_as_delegate_booker_and_invoice_contact_only() -> None:
    step = life.apply(_booking(), Erased("SAM@nhs.NET", AT))
    assert step.changed and step.sends == ()
    record = step.booking.record
    assert record.delegates[0] == Attendee(name="Delegate 1", email="", organisation="Leeds NHS")
    assert record.delegates[1].name == "Ana Ruiz" and record.delegates[1].access_needs == "BSL interpreter"
    assert record.contact == Contact(name="Booking contact", email="", organisation="Leeds NHS")
    assert record.billing is not None and (record.billing.name, record.billing.email) == ("Leeds NHS", "")
    assert record.erasures == 1 and record.mail_failures == ("ana@nhs.net",)
    assert not life.apply(step.booking, Erased("sam@nhs.net", AT)).changed


def test_an_anonymised_delegate_gets_no_joining_instructions() -> None:
    record = life.apply(_booking(), Erased("ana@nhs.net", AT)).booking.record
    step = life.apply(Booking(record, State.CONFIRMED, 5), Delivered(Kind.JOINING))
    assert [s.position for s in step.sends] == [0]
