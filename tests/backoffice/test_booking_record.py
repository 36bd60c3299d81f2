"""The booking's metadata is the record: what checkout.metadata() writes, booking.record reads back unchanged."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from booking.record import from_metadata
from booking.request import BookingRequest
from functions.bookings import price
from functions.checkout import metadata
from tests.backoffice.conftest import booking

_text = (
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)
    .map(str.strip)
    .filter(lambda t: t and " | " not in t and not t.startswith("|") and not t.endswith("|") and t != "-")
)
_email = st.from_regex(r"[a-z0-9]{1,12}@[a-z0-9]{1,10}\.(nhs\.uk|org|gov\.uk)", fullmatch=True)


@settings(max_examples=60, deadline=None)
@given(
    people=st.lists(
        st.tuples(_text, _email, st.one_of(st.just(""), _text), st.one_of(st.just(""), _text)), min_size=1, max_size=20
    )
)
def test_delegates_survive_the_round_trip_through_stripe_metadata(fees, people):
    data = booking(1)
    data["delegates"] = [{"name": n, "email": e, "job_title": j, "organisation": o} for n, e, j, o in people]
    try:
        model = BookingRequest.model_validate(data)
    except ValidationError:
        assume(False)  # text the booking form refuses (tests/booking covers what it refuses and why)
    record = from_metadata(metadata(price(model, fees)))
    assert [(d.name, d.email, d.job_title, d.organisation) for d in record.delegates] == [
        (d.name, d.email, d.job_title, d.organisation) for d in model.delegates
    ]


@pytest.mark.parametrize("category", ["public-sector", "voluntary", "commercial"])
@pytest.mark.parametrize("payment", ["card", "invoice"])
@pytest.mark.parametrize("delegates", [1, 2, 7, 20])
def test_recorded_amounts_are_the_quote_lines(fees, category, payment, delegates):
    data = booking(delegates, category, payment=payment)
    priced = price(BookingRequest.model_validate(data), fees)
    record = from_metadata(metadata(priced))
    assert [(a.net_pence, a.vat_pence, a.gross_pence) for a in record.amounts] == [
        (line.net_pence, line.vat_pence, line.gross_pence) for line in priced.quote.lines
    ]
    assert (record.net_pence, record.vat_pence, record.gross_pence) == (
        priced.quote.net_pence,
        priced.quote.vat_pence,
        priced.quote.total_pence,
    )


def test_more_delegates_than_metadata_keys_keep_names_and_emails(fees):
    big = fees.model_copy(
        update={"events": {k: v.model_copy(update={"max_delegates": 50}) for k, v in fees.events.items()}}
    )
    data = booking(50)
    meta = metadata(price(BookingRequest.model_validate(data), big))
    assert len(meta) + 3 <= 50  # room for purchase_order, fulfilled_at and confirmation_sent
    record = from_metadata(meta)
    assert [(d.name, d.email) for d in record.delegates] == [(d["name"], d["email"]) for d in data["delegates"]]
    assert len(record.amounts) == 50
