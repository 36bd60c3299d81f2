"""Purchase to pay against the real store (flows.purchase): quotations numbered from one sequence however many are
confirmed at once, a confirmation repeated takes no second number or places, and the places a quotation holds
count against the event's capacity."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.content.events import EventFacts
from adapters.mail.compose import About, Letterhead
from adapters.mail.send import MailSession
from adapters.store import QUOTE_NUMBERS, LimitReached, places_key
from booking.life import Requested, State
from booking.record import Amount, Attendee, BookingRecord, Contact
from flows.advance import Mail, advance
from flows.purchase import confirm_quote, quote_number, reminder_points
from pricing import load_fee_table
from tests.fixture_site import FIXTURE_FEES, OPEN_EVENT
from tests.waiting import at_once

NOW = datetime(2083, 1, 5, 10, tzinfo=UTC)


@pytest.fixture(scope="module")
def fees(tmp_path_factory):
    """The test site's fee table with the open event limited to 4 places."""
    marker = f"  {OPEN_EVENT}:\n"
    text = FIXTURE_FEES.read_text(encoding="utf-8").replace(marker, f"{marker}    places: 4\n")
    path = tmp_path_factory.mktemp("purchase") / "fees.yaml"
    path.write_text(text, encoding="utf-8")
    return load_fee_table(path)


@pytest.fixture
def mail(tmp_path: Path) -> Mail:
    return Mail(
        about=lambda b: About(record=b.record, event=EventFacts(slug=OPEN_EVENT, title="Caldicott")),
        letterhead=Letterhead(),
        session=lambda: MailSession(None, tmp_path / "outbox"),
    )


def _request(store, mail: Mail, n: int, delegates: int = 1) -> str:
    record = BookingRecord(
        ref=f"CP-{'ABCDEFGHJK'[n % 10]}{'ABCDEFGHJK'[n // 10 % 10]}QQQQ",
        event=OPEN_EVENT,
        category="public-sector",
        payment="invoice",
        contact=Contact(name="Sam Lee", email=f"sam{n}@example.org", organisation="Leeds NHS"),
        delegates=tuple(Attendee(name=f"D {i}", email=f"d{n}.{i}@example.org") for i in range(delegates)),
        amounts=(Amount(net_pence=29500, vat_pence=5900),) * delegates,
        is_quote=True,
        booked_at="2083-01-05T09:00:00+00:00",
    )
    advance(store, record.ref, Requested(record), about=mail.about, letterhead=mail.letterhead)
    return record.ref


def test_quotations_confirmed_at_once_get_distinct_numbers_and_a_repeat_takes_none(booking_store, fees, mail):
    refs = [_request(booking_store, mail, n) for n in range(4)]
    steps = at_once(4, lambda i: confirm_quote(booking_store, refs[i], NOW, fees, mail))
    numbers = sorted(booking_store.get(ref).record.quote_number for ref in refs)
    assert numbers == [quote_number(n) for n in range(1, 5)] and all(s.changed for s in steps)  # type: ignore[attr-defined]
    again = confirm_quote(booking_store, refs[0], NOW, fees, mail)
    assert not again.changed and booking_store.counter(QUOTE_NUMBERS) == 4
    assert booking_store.counter(places_key(OPEN_EVENT)) == 4
    assert all(booking_store.get(ref).state == State.QUOTED for ref in refs)
    expires = booking_store.get(refs[0]).record.quote_expires
    assert expires == "2083-02-04T10:00:00+00:00"  # quote_valid_days: 30


def test_a_quotation_that_would_pass_the_events_places_is_not_made(booking_store, fees, mail):
    first = _request(booking_store, mail, 11, delegates=3)
    confirm_quote(booking_store, first, NOW, fees, mail)
    second = _request(booking_store, mail, 12, delegates=2)
    with pytest.raises(LimitReached):
        confirm_quote(booking_store, second, NOW, fees, mail)
    assert booking_store.get(second).state == State.REQUESTED
    assert booking_store.counter(places_key(OPEN_EVENT)) == 3


def test_reminders_come_on_their_days_within_the_hold():
    start, until = "2083-01-05T09:00:00+00:00", "2083-01-19T09:00:00+00:00"
    assert reminder_points(start, (7, 12), until, "2083-01-12T08:59:59+00:00") == frozenset()
    assert reminder_points(start, (7, 12), until, "2083-01-12T09:00:00+00:00") == {7}
    assert reminder_points(start, (7, 12), until, "2083-01-30T09:00:00+00:00") == {7, 12}
    # A hold cut short by booking close: a reminder after its end never comes.
    assert reminder_points(start, (7, 12), "2083-01-15T09:00:00+00:00", "2083-01-30T09:00:00+00:00") == {7}
