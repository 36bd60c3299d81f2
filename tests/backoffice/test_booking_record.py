"""The booking record is what the store keeps: what a priced booking records, the store's document reads back
unchanged, and a stored booking priced again for its invoice comes to what it was booked at."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from adapters.payments.checkout import metadata
from booking.priced import PricesChanged, priced_again
from booking.record import BookingRecord, document
from booking.reference import stripe_metadata
from booking.request import BookingRequest
from functions.bookings import price
from tests.backoffice.conftest import booking

_text = (
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)
    .map(str.strip)
    .filter(lambda t: t and " | " not in t and not t.startswith("|") and not t.endswith("|") and t != "-")
)
_email = st.from_regex(r"[a-z0-9]{1,12}@[a-z0-9]{1,10}\.(nhs\.uk|org|gov\.uk)", fullmatch=True)


def _stored(record: BookingRecord) -> BookingRecord:
    """The record as the store reads it back (adapters.store keeps booking.record.document())."""
    return BookingRecord.model_validate_json(document(record))


@settings(max_examples=60, deadline=None)
@given(
    people=st.lists(
        st.tuples(_text, _email, st.one_of(st.just(""), _text), st.one_of(st.just(""), _text)), min_size=1, max_size=20
    )
)
def test_delegates_survive_the_round_trip_through_the_store(fees, people):
    data = booking(1)
    data["delegates"] = [{"name": n, "email": e, "job_title": j, "organisation": o} for n, e, j, o in people]
    try:
        model = BookingRequest.model_validate(data)
    except ValidationError:
        assume(False)  # text the booking form refuses (tests/booking covers what it refuses and why)
    priced = price(model, fees)
    record = _stored(priced.record)
    assert [(d.name, d.email, d.job_title, d.organisation) for d in record.delegates] == [
        (d.name, d.email, d.job_title, d.organisation) for d in model.delegates
    ]
    assert metadata(priced) == stripe_metadata(priced.ref, model.event)  # Stripe gets none of it


@pytest.mark.parametrize("category", ["public-sector", "voluntary", "commercial"])
@pytest.mark.parametrize("payment", ["card", "invoice"])
@pytest.mark.parametrize("delegates", [1, 2, 7, 20])
def test_recorded_amounts_are_the_quote_lines_and_pricing_again_gives_the_same(fees, category, payment, delegates):
    data = booking(delegates, category, payment=payment, purchase_order="PO-1" if payment == "invoice" else "")
    priced = price(BookingRequest.model_validate(data), fees)
    record = _stored(priced.record)
    assert [(a.net_pence, a.vat_pence, a.gross_pence) for a in record.amounts] == [
        (line.net_pence, line.vat_pence, line.gross_pence) for line in priced.quote.lines
    ]
    assert (record.net_pence, record.vat_pence, record.gross_pence) == (
        priced.quote.net_pence,
        priced.quote.vat_pence,
        priced.quote.total_pence,
    )
    again = priced_again(record, fees)
    assert (again.ref, again.quote, again.booking.billing) == (priced.ref, priced.quote, priced.booking.billing)
    if payment == "invoice":
        assert record.billing is not None and record.billing.email == "accounts.payable@nhs.net"


def test_a_booking_priced_again_after_its_fees_changed_is_refused(fees):
    priced = price(BookingRequest.model_validate(booking(2)), fees)
    dearer = priced.record.model_copy(update={"amounts": priced.record.amounts[:1] * 2})
    with pytest.raises(PricesChanged):
        priced_again(dearer, fees)


def test_fifty_delegates_are_kept_whole(fees):
    big = fees.model_copy(
        update={"events": {k: v.model_copy(update={"max_delegates": 50}) for k, v in fees.events.items()}}
    )
    data = booking(50)
    record = _stored(price(BookingRequest.model_validate(data), big).record)
    assert [(d.name, d.email) for d in record.delegates] == [(d["name"], d["email"]) for d in data["delegates"]]
    assert len(record.amounts) == 50
