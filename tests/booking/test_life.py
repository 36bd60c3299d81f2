"""A booking's life: whatever order Stripe delivers events in, and however often, a booking ends where Stripe's
final state says and no message is sent twice."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking import life
from booking.life import (
    AccessNeedsChanged,
    Booking,
    Change,
    CheckoutStarted,
    DelegatesChanged,
    Delivered,
    Expired,
    InvoiceDetails,
    InvoiceIssued,
    Kind,
    LinkReplaced,
    Paid,
    PoAdded,
    PoHoldEnded,
    PoReminderDue,
    QuoteAccepted,
    QuoteLapsed,
    Refunded,
    RequestConfirmed,
    Requested,
    State,
    StripeFacts,
    Voided,
)
from booking.record import Amount, Attendee, BillingDetails, BookingRecord, Contact

AT = "2027-01-05T10:00:00+00:00"


def _record(delegates: int = 2, payment: str = "card") -> BookingRecord:
    return BookingRecord(
        ref="CP-ABCDEF",
        event="caldicott-police-2027",
        category="nhs",
        payment=payment,  # type: ignore[arg-type]
        contact=Contact(name="Sam Lee", email="sam@example.org", organisation="Leeds NHS"),
        delegates=tuple(Attendee(name=f"Delegate {i}", email=f"d{i}@example.org") for i in range(delegates)),
        amounts=(Amount(net_pence=26550, vat_pence=5310),) * delegates,
    )


def _run(events: list[life.Event], start: life.Event) -> tuple[Booking, list[life.Transition]]:
    """Apply `start` then `events` as a store would: each changed transition is written at the next version."""
    first = life.apply(None, start)
    booking = first.booking
    booking = Booking(booking.record, booking.state, 1)
    done = [first]
    for event in events:
        step = life.apply(booking, event)
        done.append(step)
        if step.changed:
            booking = Booking(step.booking.record, step.booking.state, booking.version + 1)
    return booking, done


def _ids(transitions: list[life.Transition]) -> list[str]:
    return [send.message_id for t in transitions for send in t.sends]


def _places(transitions: list[life.Transition]) -> int:
    return sum(t.places for t in transitions)


# --- the table of single transitions -------------------------------------------------------------------------


def test_a_card_checkout_holds_its_places_until_paid():
    step = life.apply(None, CheckoutStarted(_record(3)))
    assert (step.state, step.places, step.sends) == (State.AWAITING_PAYMENT, 3, ())


def test_payment_confirms_and_sends_the_booker_each_delegate_and_the_organisers_one_message_each():
    booking, done = _run([Paid(AT)], CheckoutStarted(_record(2)))
    assert booking.state == State.CONFIRMED
    kinds = [(s.kind, s.is_booker, s.position) for s in done[-1].sends]
    assert kinds == [
        (Kind.CONFIRMATION, True, None),
        (Kind.CONFIRMATION, False, 0),
        (Kind.CONFIRMATION, False, 1),
        (Kind.ORGANISERS, False, None),
    ]
    assert booking.record.fulfilled_at == AT


def test_a_delegate_with_the_bookers_address_gets_one_message_not_two():
    record = _record(1)
    record = record.model_copy(update={"delegates": (Attendee(name="Sam Lee", email="SAM@example.org"),)})
    _, done = _run([Paid(AT)], CheckoutStarted(record))
    assert [s.kind for s in done[-1].sends] == [Kind.CONFIRMATION, Kind.ORGANISERS]


def test_the_same_payment_twice_confirms_once():
    _, done = _run([Paid(AT), Paid(AT)], CheckoutStarted(_record()))
    assert [t.changed for t in done] == [True, True, False]
    assert done[-1].sends == ()


def test_a_refund_in_full_delivered_before_the_payment_leaves_the_booking_cancelled_and_silent():
    booking, done = _run([Refunded(63720, 63720, AT), Paid(AT)], CheckoutStarted(_record()))
    assert booking.state == State.CANCELLED
    assert [s.kind for s in done[-1].sends] == []
    assert _places(done) == 0


def test_a_part_refund_tells_the_booker_and_keeps_the_booking():
    booking, done = _run([Paid(AT), Refunded(5000, 63720, AT)], CheckoutStarted(_record()))
    assert booking.state == State.CONFIRMED
    assert booking.record.refunded_pence == 5000
    assert [(s.kind, s.is_booker) for s in done[-1].sends] == [(Kind.REFUND, True)]


def test_a_second_part_refund_is_a_second_notice_and_a_stale_one_is_nothing():
    booking, done = _run(
        [Paid(AT), Refunded(5000, 63720, AT), Refunded(8000, 63720, AT), Refunded(5000, 63720, AT)],
        CheckoutStarted(_record()),
    )
    assert booking.record.refunded_pence == 8000
    assert [t.changed for t in done[2:]] == [True, True, False]


def test_an_unpaid_checkout_that_expires_gives_its_places_back_and_sends_nothing():
    booking, done = _run([Expired(AT)], CheckoutStarted(_record(4)))
    assert booking.state == State.EXPIRED
    assert _places(done) == 0
    assert _ids(done) == []


def test_an_invoice_request_holds_nothing_until_confirmed_then_holds_its_places():
    booking, done = _run([RequestConfirmed(AT)], Requested(_record(3, "invoice")))
    assert [(s.kind, s.is_booker) for s in done[0].sends] == [(Kind.REQUEST, True)]
    assert [t.places for t in done] == [0, 3]
    assert booking.state == State.AWAITING_PAYMENT
    assert life.attending(booking)


def test_a_free_booking_is_confirmed_with_its_messages_when_the_booker_confirms():
    booking, done = _run([RequestConfirmed(AT, free=True)], Requested(_record(1, "invoice")))
    assert booking.state == State.CONFIRMED
    assert Kind.CONFIRMATION in [s.kind for s in done[-1].sends]


def test_a_request_never_confirmed_expires_without_giving_back_what_it_never_held():
    _, done = _run([Expired(AT), RequestConfirmed(AT)], Requested(_record(2, "invoice")))
    assert _places(done) == 0
    assert not done[-1].changed


def test_voiding_an_unpaid_invoice_cancels_once_and_tells_the_booker_once():
    booking, done = _run([RequestConfirmed(AT), Voided(AT), Voided(AT)], Requested(_record(2, "invoice")))
    assert booking.state == State.CANCELLED
    assert [s.kind for s in done[-2].sends] == [Kind.VOID]
    assert done[-1].sends == ()
    assert _places(done) == 0


def test_a_card_booking_cannot_be_voided():
    booking, _ = _run([Paid(AT), Voided(AT)], CheckoutStarted(_record()))
    assert booking.state == State.CONFIRMED


def test_a_substitution_confirms_the_new_delegate_tells_the_old_one_the_organisers_and_the_booker():
    booking, _ = _run([Paid(AT)], CheckoutStarted(_record(2)))
    newcomer = Attendee(name="New Person", email="new@example.org")
    change = Change(1, booking.record.delegates[1], newcomer)
    step = life.apply(booking, DelegatesChanged(booking.record.substitute(1, newcomer), (change,)))
    assert [(s.kind, s.to) for s in step.sends] == [
        (Kind.CONFIRMATION, newcomer),
        (Kind.REPLACED, booking.record.delegates[1]),
        (Kind.ORGANISERS, None),
        (Kind.CHANGED, booking.record.contact),
    ]
    assert len({s.message_id for s in step.sends}) == 4


def test_no_changes_after_cancellation():
    booking, _ = _run([Paid(AT), Refunded(63720, 63720, AT)], CheckoutStarted(_record(2)))
    change = Change(0, booking.record.delegates[0], Attendee(name="X", email="x@example.org"))
    assert not life.apply(booking, DelegatesChanged(booking.record, (change,))).changed


def test_a_new_link_revokes_the_old_one_and_goes_only_to_the_booker():
    booking, _ = _run([Paid(AT)], CheckoutStarted(_record(2)))
    assert booking.record.link_version == 0
    step = life.apply(booking, LinkReplaced(AT))
    assert step.changed and step.booking.record.link_version == 1 and step.state == State.CONFIRMED
    assert [(s.kind, s.to, s.is_booker) for s in step.sends] == [(Kind.LINK, booking.record.contact, True)]
    again, done = _run([Paid(AT), LinkReplaced(AT), LinkReplaced(AT)], CheckoutStarted(_record(2)))
    assert again.record.link_version == 2
    assert len(set(_ids(done))) == len(_ids(done))  # each new link is its own message


def test_a_cancelled_booking_can_still_revoke_its_link_but_a_request_has_none():
    cancelled, _ = _run([Paid(AT), Refunded(63720, 63720, AT)], CheckoutStarted(_record(2)))
    assert life.apply(cancelled, LinkReplaced(AT)).booking.record.link_version == 1
    requested, _ = _run([], Requested(_record(1, "invoice")))
    assert not life.apply(requested, LinkReplaced(AT)).changed


def test_a_delegate_changes_their_own_access_needs_and_only_the_organisers_hear():
    booking, _ = _run([Paid(AT)], CheckoutStarted(_record(2)))
    step = life.apply(booking, AccessNeedsChanged(1, "Step-free access"))
    assert step.booking.record.delegates[1].access_needs == "Step-free access"
    assert step.booking.record.delegates[0] == booking.record.delegates[0]
    assert step.booking.record.substitutions == 0
    (send,) = step.sends
    assert send.kind == Kind.ORGANISERS and send.to is None
    (change,) = send.changes
    assert change.access_needs_only and not change.replaced and change.number == 2
    stored = Booking(step.booking.record, step.booking.state, booking.version + 1)
    assert not life.apply(stored, AccessNeedsChanged(1, "Step-free access")).changed  # the same again: nothing


@pytest.mark.parametrize("position", [-1, 2, 99])
def test_access_needs_for_a_place_the_booking_does_not_have_change_nothing(position):
    booking, _ = _run([Paid(AT)], CheckoutStarted(_record(2)))
    assert not life.apply(booking, AccessNeedsChanged(position, "Captions")).changed


def test_no_access_needs_change_after_cancellation():
    booking, _ = _run([Paid(AT), Refunded(63720, 63720, AT)], CheckoutStarted(_record(2)))
    assert not life.apply(booking, AccessNeedsChanged(0, "Captions")).changed


def test_a_substitution_is_not_an_access_needs_only_change():
    before = Attendee(name="A", email="a@example.org", access_needs="Captions")
    assert not Change(0, before, before.model_copy(update={"name": "B"})).access_needs_only
    assert not Change(0, before, before).access_needs_only
    assert Change(0, before, before.model_copy(update={"access_needs": ""})).access_needs_only


def test_joining_goes_once_to_each_attending_delegate_and_again_only_to_a_substitute():
    booking, done = _run([Paid(AT), Delivered(Kind.JOINING), Delivered(Kind.JOINING)], CheckoutStarted(_record(2)))
    assert [len(t.sends) for t in done[2:]] == [2, 0]
    newcomer = Attendee(name="New Person", email="new@example.org")
    changed = life.apply(
        booking,
        DelegatesChanged(booking.record.substitute(0, newcomer), (Change(0, booking.record.delegates[0], newcomer),)),
    )
    after = Booking(changed.booking.record, changed.booking.state, booking.version + 1)
    again = life.apply(after, Delivered(Kind.JOINING))
    assert [(s.to, s.position) for s in again.sends] == [(newcomer, 0)]
    assert again.sends[0].message_id not in _ids(done)


def test_an_unpaid_card_booking_gets_no_joining_instructions():
    _, done = _run([Delivered(Kind.JOINING)], CheckoutStarted(_record(2)))
    assert done[-1].sends == ()


def test_certificates_go_only_to_those_who_attended():
    _, done = _run([Paid(AT), Delivered(Kind.CERTIFICATE, frozenset({1}))], CheckoutStarted(_record(3)))
    assert [s.position for s in done[-1].sends] == [1]


def test_an_event_for_a_booking_that_is_not_stored_is_refused():
    with pytest.raises(life.NotApplicable):
        life.apply(None, Paid(AT))


def test_a_second_start_changes_nothing():
    booking = Booking(_record(), State.CONFIRMED, 3)
    assert not life.apply(booking, CheckoutStarted(_record())).changed


def test_a_lapsed_checkout_made_again_holds_its_places_again():
    booking, _ = _run([Expired(AT)], CheckoutStarted(_record(3)))
    again = life.apply(booking, CheckoutStarted(_record(3)))
    assert (again.changed, again.state, again.places, again.sends) == (True, State.AWAITING_PAYMENT, 3, ())


def test_a_lapsed_request_made_again_sends_a_new_request_and_holds_nothing():
    booking, done = _run([Expired(AT)], Requested(_record(2, "invoice")))
    again = life.apply(booking, Requested(_record(2, "invoice")))
    assert (again.changed, again.state, again.places) == (True, State.REQUESTED, 0)
    (send,) = again.sends
    assert send.kind == Kind.REQUEST and send.message_id not in _ids(done)


def test_a_request_made_twice_is_one_request_and_one_message():
    booking, done = _run([Requested(_record(2, "invoice"))], Requested(_record(2, "invoice")))
    assert booking.state == State.REQUESTED and _ids(done) == ["CP-ABCDEF.request"]


# --- any order, any repeats ----------------------------------------------------------------------------------

CHARGED = 63720


def _card_history(draw: st.DrawFn) -> tuple[list[life.Event], State]:
    """What happened at Stripe to a card booking (in order), and the state that history implies."""
    paid = draw(st.booleans())
    if not paid:
        return ([Expired(AT)] if draw(st.booleans()) else []), State.EXPIRED
    refunds = sorted(set(draw(st.lists(st.integers(1, CHARGED), max_size=3))))
    events: list[life.Event] = [Paid(AT), *(Refunded(total, CHARGED, AT) for total in refunds)]
    in_full = bool(refunds) and refunds[-1] >= CHARGED
    return events, State.CANCELLED if in_full else State.CONFIRMED


@st.composite
def card_deliveries(draw: st.DrawFn) -> tuple[list[life.Event], State, bool]:
    history, final = _card_history(draw)
    # Stripe delivers each at least once, in any order.
    deliveries = history + draw(st.lists(st.sampled_from(history), max_size=6)) if history else []
    return draw(st.permutations(deliveries)), final, bool(history)


@settings(max_examples=400, deadline=None)
@given(card_deliveries())
def test_any_order_and_any_repeats_end_where_stripe_says_and_send_nothing_twice(case):
    deliveries, final, happened = case
    booking, done = _run(deliveries, CheckoutStarted(_record(2)))
    ids = _ids(done)
    assert len(ids) == len(set(ids)), "a message sent twice"
    if happened:
        assert booking.state == final
    else:
        assert booking.state == State.AWAITING_PAYMENT
    holding = booking.state in life.HOLDS_PLACES
    assert _places(done) == (2 if holding else 0)
    if booking.state == State.CANCELLED:
        # Never told "confirmed" after being told "cancelled".
        kinds = [s.kind for t in done for s in t.sends]
        last_refund = max(i for i, k in enumerate(kinds) if k == Kind.REFUND)
        assert Kind.CONFIRMATION not in kinds[last_refund:]


@st.composite
def invoice_deliveries(draw: st.DrawFn) -> tuple[list[life.Event], State]:
    confirmed = draw(st.booleans())
    if not confirmed:
        return draw(st.permutations([Expired(AT)] * draw(st.integers(0, 2)))), State.REQUESTED
    outcome = draw(st.sampled_from(["open", "paid", "void"]))
    history: list[life.Event] = [RequestConfirmed(AT)]
    if outcome == "paid":
        history.append(Paid(AT))
    if outcome == "void":
        history.append(Voided(AT))
    repeats = draw(st.lists(st.sampled_from(history), max_size=5))
    # The confirmation comes first (the booker's click creates the invoice); Stripe's events after it, any order.
    rest = draw(st.permutations(history[1:] + [e for e in repeats if not isinstance(e, RequestConfirmed)]))
    final = {"open": State.AWAITING_PAYMENT, "paid": State.CONFIRMED, "void": State.CANCELLED}[outcome]
    return [history[0], *rest], final


@settings(max_examples=300, deadline=None)
@given(invoice_deliveries())
def test_invoice_bookings_end_where_stripe_says_and_send_nothing_twice(case):
    deliveries, final = case
    booking, done = _run(deliveries, Requested(_record(2, "invoice")))
    ids = _ids(done)
    assert len(ids) == len(set(ids))
    if final == State.REQUESTED:
        assert booking.state in (State.REQUESTED, State.EXPIRED)
    else:
        assert booking.state == final
    assert _places(done) == (2 if booking.state in life.HOLDS_PLACES else 0)


def test_every_state_has_a_name_a_person_can_read():
    assert [s.value for s in State] == [
        "requested",
        "awaiting_payment",
        "confirmed",
        "cancelled",
        "expired",
        "quoted",
        "awaiting_po",
    ]


def test_stripes_ids_and_invoice_are_written_into_the_record_as_they_happen():
    invoice = StripeFacts(invoice_id="in_1", invoice_number="ABC-0001", invoice_due="2027-02-04")
    booking, _ = _run([RequestConfirmed(AT, stripe=invoice)], Requested(_record(1, "invoice")))
    assert (booking.record.invoice_id, booking.record.invoice_number) == ("in_1", "ABC-0001")
    paid, _ = _run([Paid(AT, stripe=StripeFacts(payment_intent="pi_1"))], CheckoutStarted(_record(1)))
    assert paid.record.payment_intent == "pi_1"


# --- purchase to pay: quotations and PO to follow --------------------------------------------------------------

LATER = "2027-01-20T10:00:00+00:00"
EXPIRES = "2027-02-04T10:00:00+00:00"
AFTER = "2027-02-05T10:00:00+00:00"
DETAILS = InvoiceDetails(
    "PO-4471", BillingDetails(name="Accounts Payable", email="ap@example.org", address="1 Trust Road\nLS1 4AP")
)


def _quote_record(delegates: int = 3) -> BookingRecord:
    return _record(delegates, "invoice").model_copy(update={"is_quote": True, "quote_expires": EXPIRES})


def _po_record(delegates: int = 2) -> BookingRecord:
    return _record(delegates, "invoice").model_copy(update={"po_to_follow": True, "po_hold_until": EXPIRES})


def test_a_quote_request_holds_nothing_until_its_address_is_confirmed_then_holds_its_places_and_mails_the_quote():
    booking, done = _run([RequestConfirmed(AT, quote_number="Q00001")], Requested(_quote_record(3)))
    assert booking.state == State.QUOTED and booking.record.quote_number == "Q00001"
    assert [t.places for t in done] == [0, 3]
    assert [(s.kind, s.is_booker) for s in done[-1].sends] == [(Kind.QUOTE, True)]


def test_a_quote_without_its_number_is_not_made():
    booking, _ = _run([RequestConfirmed(AT)], Requested(_quote_record()))
    assert booking.state == State.REQUESTED


def test_a_quote_that_lapses_gives_its_places_back_silently_but_not_before_it_expires():
    booking, done = _run(
        [RequestConfirmed(AT, quote_number="Q1"), QuoteLapsed(LATER), QuoteLapsed(AFTER), QuoteLapsed(AFTER)],
        Requested(_quote_record(3)),
    )
    assert booking.state == State.EXPIRED
    assert [t.changed for t in done] == [True, True, False, True, False]
    assert _places(done) == 0 and _ids(done) == ["CP-ABCDEF.request", "CP-ABCDEF.quote.Q1"]


def test_a_quote_turned_into_a_booking_with_its_po_awaits_its_invoice_and_keeps_its_places():
    booking, done = _run(
        [RequestConfirmed(AT, quote_number="Q1"), QuoteAccepted(LATER, DETAILS), QuoteLapsed(AFTER)],
        Requested(_quote_record(3)),
    )
    assert booking.state == State.AWAITING_PAYMENT and life.attending(booking)
    assert (booking.record.purchase_order, booking.record.billing) == ("PO-4471", DETAILS.billing)
    assert _places(done) == 3


def test_a_quote_cannot_be_turned_into_a_booking_once_expired():
    booking, _ = _run(
        [RequestConfirmed(AT, quote_number="Q1"), QuoteAccepted(AFTER, DETAILS)], Requested(_quote_record())
    )
    assert booking.state == State.QUOTED


def test_a_quote_turned_into_a_po_to_follow_booking_sends_the_po_link_once():
    booking, done = _run(
        [RequestConfirmed(AT, quote_number="Q1"), QuoteAccepted(LATER, None, AFTER), QuoteAccepted(LATER, None, AFTER)],
        Requested(_quote_record(2)),
    )
    assert booking.state == State.AWAITING_PO and booking.record.po_hold_until == AFTER
    assert [s.kind for s in done[2].sends] == [Kind.PO_LINK] and done[3].sends == ()


def test_po_to_follow_confirmed_holds_places_sends_the_link_and_no_invoice_until_the_po():
    booking, done = _run(
        [RequestConfirmed(AT), PoAdded(LATER, DETAILS), PoAdded(LATER, DETAILS)], Requested(_po_record(2))
    )
    assert [s.kind for s in done[1].sends] == [Kind.PO_LINK]
    assert booking.state == State.AWAITING_PAYMENT and booking.record.purchase_order == "PO-4471"
    assert not booking.record.invoice_id and _places(done) == 2
    issued, _ = _run(
        [RequestConfirmed(AT), PoAdded(LATER, DETAILS), InvoiceIssued(StripeFacts(invoice_id="in_1"))],
        Requested(_po_record(2)),
    )
    assert issued.record.invoice_id == "in_1"


def test_po_reminders_go_once_each_and_a_late_run_sends_only_the_latest():
    booking, done = _run(
        [
            RequestConfirmed(AT),
            PoReminderDue(frozenset({7})),
            PoReminderDue(frozenset({7})),
            PoReminderDue(frozenset({7, 10, 12})),
        ],
        Requested(_po_record()),
    )
    assert [s.kind for t in done[2:] for s in t.sends] == [Kind.PO_REMINDER, Kind.PO_REMINDER]
    assert done[3].sends == () and booking.record.po_reminders == {7, 10, 12}
    assert done[4].sends[0].message_id.startswith("CP-ABCDEF.po_reminder.12.")


def test_the_hold_ends_without_a_po_places_back_and_the_booker_told_once():
    booking, done = _run(
        [RequestConfirmed(AT), PoHoldEnded(LATER), PoHoldEnded(AFTER), PoHoldEnded(AFTER), PoAdded(AFTER, DETAILS)],
        Requested(_po_record(2)),
    )
    assert booking.state == State.EXPIRED and _places(done) == 0
    assert [s.kind for t in done for s in t.sends].count(Kind.PO_LAPSED) == 1


def _po_history(draw: st.DrawFn) -> tuple[list[life.Event], State]:
    """What may happen to a PO-to-follow booking after it is confirmed, and where it ends."""
    outcome = draw(st.sampled_from(["waiting", "po", "lapsed"]))
    points = draw(st.lists(st.frozensets(st.integers(1, 20), min_size=1, max_size=3), max_size=3))
    history: list[life.Event] = [PoReminderDue(p) for p in points]
    if outcome == "po":
        history.append(PoAdded(LATER, DETAILS))
    if outcome == "lapsed":
        history.append(PoHoldEnded(AFTER))
    final = {"waiting": State.AWAITING_PO, "po": State.AWAITING_PAYMENT, "lapsed": State.EXPIRED}[outcome]
    return history, final


@st.composite
def po_deliveries(draw: st.DrawFn) -> tuple[list[life.Event], State, list[life.Event]]:
    history, final = _po_history(draw)
    repeats = draw(st.lists(st.sampled_from(history), max_size=5)) if history else []
    return draw(st.permutations(history + repeats)), final, history


@settings(max_examples=300, deadline=None)
@given(po_deliveries(), st.booleans())
def test_po_to_follow_in_any_order_and_any_repeats_holds_once_and_sends_nothing_twice(case, from_quote):
    deliveries, final, _history = case
    if from_quote:
        start = Requested(_quote_record(2))
        first = [RequestConfirmed(AT, quote_number="Q9"), QuoteAccepted(LATER, None, EXPIRES)]
    else:
        start, first = Requested(_po_record(2)), [RequestConfirmed(AT)]
    booking, done = _run([*first, *deliveries, *first], start)
    ids = _ids(done)
    assert len(ids) == len(set(ids)), "a message sent twice"
    ended = [e for e in deliveries if isinstance(e, PoAdded | PoHoldEnded)]
    # Whichever of "PO added" and "hold ended" comes first decides; the other changes nothing.
    if ended:
        assert booking.state == (State.AWAITING_PAYMENT if isinstance(ended[0], PoAdded) else State.EXPIRED)
    else:
        assert booking.state == final == State.AWAITING_PO
    assert _places(done) == (2 if booking.state in life.COUNTED else 0)
    kinds = [s.kind for t in done for s in t.sends]
    assert kinds.count(Kind.PO_LINK) == 1 and kinds.count(Kind.PO_LAPSED) <= 1
    reminders = {p for e in deliveries if isinstance(e, PoReminderDue) for p in e.points}
    assert kinds.count(Kind.PO_REMINDER) <= len(reminders)
