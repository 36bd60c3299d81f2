"""Chasing and credit notes in a booking's life: each reminder once, none after payment, void or credit; each
credit note told once, and a booking credited in full is cancelled, whatever order Stripe's news arrives in."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from booking import life
from booking.life import (
    Booking,
    Chase,
    Credited,
    CreditNoteFacts,
    Kind,
    Paid,
    RequestConfirmed,
    Requested,
    State,
    StripeFacts,
    Voided,
)
from tests.booking.test_life import AT, _record, _run

DUE = "2027-02-04"
SCHEDULE = (-7, 0, 7, 14)
TOTAL = 2 * (26550 + 5310)


def _day(offset: int) -> str:
    return (date.fromisoformat(DUE) + timedelta(days=offset)).isoformat()


def _invoiced(delegates: int = 2) -> list[life.Event]:
    """The request confirmed: an open invoice due on DUE (the start event is Requested)."""
    return [RequestConfirmed(AT, stripe=StripeFacts(invoice_id="in_1", invoice_number="INV-0001", invoice_due=DUE))]


def _start() -> life.Event:
    return Requested(_record(2, "invoice"))


def _note(number: int, total: int, refund: int = 0) -> CreditNoteFacts:
    return CreditNoteFacts(f"cn_{number}", f"INV-0001-CN-0{number}", "INV-0001", total, refund_pence=refund)


# --- the table -----------------------------------------------------------------------------------------------


def test_each_reminder_goes_on_its_day_once():
    events: list[life.Event] = [Chase(_day(d), SCHEDULE, TOTAL) for d in (-8, -7, -7, -1, 0, 0, 3, 7, 14, 30)]
    booking, done = _run(_invoiced() + events, _start())
    reminders = [s for t in done for s in t.sends if s.kind == Kind.REMINDER]
    assert [s.message_id for s in reminders] == [f"CP-ABCDEF.reminder.{d:+d}" for d in SCHEDULE]
    assert [s.reminder.day for s in reminders if s.reminder] == list(SCHEDULE)
    assert all(s.is_booker and s.to == booking.record.contact for s in reminders)
    assert booking.record.reminders_sent == frozenset(SCHEDULE)


def test_a_run_that_comes_late_sends_the_latest_reminder_only_and_never_the_missed_ones():
    booking, done = _run([*_invoiced(), Chase(_day(9), SCHEDULE, TOTAL), Chase(_day(9), SCHEDULE, TOTAL)], _start())
    assert [s.message_id for t in done for s in t.sends if s.kind == Kind.REMINDER] == ["CP-ABCDEF.reminder.+7"]
    assert booking.record.reminders_sent == frozenset({-7, 0, 7})


def test_no_reminder_after_payment_void_or_a_credit_in_full_and_none_for_a_card_booking():
    for ending in (Paid(AT), Voided(AT), Credited((_note(1, TOTAL),), TOTAL, AT)):
        _, done = _run([*_invoiced(), ending, Chase(_day(0), SCHEDULE, TOTAL)], _start())
        assert not [s for t in done for s in t.sends if s.kind == Kind.REMINDER]
    card = Booking(_record(1).model_copy(update={"invoice_due": DUE}), State.AWAITING_PAYMENT, 1)
    assert not life.apply(card, Chase(_day(0), SCHEDULE, TOTAL)).changed


def test_nothing_owed_is_no_reminder():
    _, done = _run([*_invoiced(), Chase(_day(0), SCHEDULE, 0)], _start())
    assert not [s for t in done for s in t.sends if s.kind == Kind.REMINDER]


def test_a_part_credit_tells_the_booker_once_and_keeps_the_booking_and_its_reminders():
    note = _note(1, TOTAL // 2)
    booking, done = _run(
        [
            *_invoiced(),
            Credited((note,), TOTAL, AT),
            Credited((note,), TOTAL, AT),
            Chase(_day(0), SCHEDULE, TOTAL // 2),
        ],
        _start(),
    )
    sends = [s for t in done for s in t.sends]
    assert [s.kind for s in sends] == [Kind.REQUEST, Kind.CREDIT_NOTE, Kind.REMINDER]
    assert sends[1].credit == note and sends[2].reminder and sends[2].reminder.amount_pence == TOTAL // 2
    assert booking.state == State.AWAITING_PAYMENT and booking.record.credited_pence == TOTAL // 2


def test_a_credit_in_full_cancels_and_gives_the_places_back_once():
    booking, done = _run([*_invoiced(), Credited((_note(1, TOTAL),), TOTAL, AT)], _start())
    assert booking.state == State.CANCELLED and booking.record.cancelled_at == AT
    assert sum(t.places for t in done) == 0  # held 2 when invoiced, 2 back when credited


def test_a_paid_invoice_credited_in_two_notes_sends_two_notices_and_cancels_at_the_second():
    one, two = _note(1, TOTAL // 2, refund=TOTAL // 2), _note(2, TOTAL - TOTAL // 2, refund=TOTAL - TOTAL // 2)
    booking, done = _run(
        [*_invoiced(), Paid(AT), Credited((one,), TOTAL, AT), Credited((one, two), TOTAL, AT)], _start()
    )
    ids = [s.message_id for t in done for s in t.sends if s.kind == Kind.CREDIT_NOTE]
    assert ids == ["CP-ABCDEF.credit_note.cn_1", "CP-ABCDEF.credit_note.cn_2"]
    assert booking.state == State.CANCELLED and booking.record.credited_pence == TOTAL


def test_a_credit_note_then_a_void_is_one_cancellation_notice_each_and_nothing_after():
    booking, done = _run(
        [*_invoiced(), Credited((_note(1, 1000),), TOTAL, AT), Voided(AT), Credited((_note(1, 1000),), TOTAL, AT)],
        _start(),
    )
    assert [s.kind for t in done for s in t.sends][1:] == [Kind.CREDIT_NOTE, Kind.VOID]
    assert booking.state == State.CANCELLED


def test_days_overdue_counts_from_the_due_date():
    booking, _ = _run(_invoiced(), _start())
    assert [life.days_overdue(booking.record, _day(d)) for d in (-3, 0, 12)] == [-3, 0, 12]
    assert life.days_overdue(_record(), _day(0)) is None


# --- any order, any repeats ------------------------------------------------------------------------------------


@st.composite
def invoice_news(draw: st.DrawFn) -> tuple[list[life.Event], str, int]:
    """An invoice's history at Stripe (paid or not, voided or not, credit notes) and chasing runs on random days,
    delivered in any order with repeats; what it should end as, and the credit in all."""
    paid = draw(st.booleans())
    credits = draw(st.lists(st.integers(1, TOTAL // 2), max_size=3))
    notes = tuple(_note(i + 1, amount) for i, amount in enumerate(credits))
    credited = sum(credits)
    news: list[life.Event] = [Credited(notes[: i + 1], TOTAL, AT) for i in range(len(notes))]
    voided = not paid and credited < TOTAL and draw(st.booleans())
    if paid:
        news.append(Paid(AT))
    if voided:
        news.append(Voided(AT))
    runs = [Chase(_day(d), SCHEDULE, TOTAL - credited) for d in draw(st.lists(st.integers(-10, 30), max_size=6))]
    repeats = draw(st.lists(st.sampled_from(news), max_size=3)) if news else []
    deliveries = draw(st.permutations(news + runs + repeats))
    final = "cancelled" if voided or credited >= TOTAL else ("paid" if paid else "open")
    return deliveries, final, credited


@settings(max_examples=300, deadline=None)
@given(invoice_news())
def test_whatever_the_order_each_message_goes_once_and_no_reminder_follows_payment_or_cancellation(case):
    deliveries, final, credited = case
    booking, done = _run(_invoiced() + deliveries, _start())
    ids = [s.message_id for t in done for s in t.sends]
    assert len(ids) == len(set(ids))
    assert len([i for i in ids if ".credit_note." in i]) <= len(
        {n.id for e in deliveries if isinstance(e, Credited) for n in e.notes}
    )
    # Once the booking is paid or cancelled, no transition after it sends a reminder.
    settled = False
    for step in done:
        if settled:
            assert not [s for s in step.sends if s.kind == Kind.REMINDER]
        settled = settled or step.booking.state in (State.CONFIRMED, State.CANCELLED)
    reminders = [s.reminder.day for t in done for s in t.sends if s.reminder is not None]
    assert len(reminders) == len(set(reminders))
    assert (
        booking.state
        == {
            "open": State.AWAITING_PAYMENT,
            "paid": State.CONFIRMED,
            "cancelled": State.CANCELLED,
        }[final]
    )
    assert booking.record.credited_pence == credited
    if booking.state != State.CANCELLED:
        assert sum(t.places for t in done) == 2
    else:
        assert sum(t.places for t in done) == 0
