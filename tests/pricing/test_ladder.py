"""pricing.ladder(): the build's one-pass price table must be exactly what quote() gives for every count."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pricing import PAYMENTS, QuoteError, ladder, parse_fee_table, quote
from tests.fixture_site import OPEN_EVENT
from tests.pricing.tables import fee_table_text, percents, prices


@settings(max_examples=60, deadline=None)
@given(
    price=prices,
    vat=percents,
    additional=percents,
    online=percents,
    delegates=st.integers(1, 50),
    payment=st.sampled_from(PAYMENTS),
)
def test_every_rung_is_the_quote_for_that_many_delegates(price, vat, additional, online, delegates, payment):
    fees = parse_fee_table(fee_table_text(price, vat, additional, online))
    rungs = ladder(fees, "e", "c", payment, delegates)
    assert len(rungs) == delegates
    for n, rung in enumerate(rungs, start=1):
        assert rung == quote(fees, "e", "c", n, payment)
        assert rung.to_dict() == quote(fees, "e", "c", n, payment).to_dict()


def test_the_default_ladder_runs_to_the_events_maximum(fees):
    rungs = ladder(fees, OPEN_EVENT, "voluntary", "card")
    assert [r.delegates for r in rungs] == list(range(1, fees.events[OPEN_EVENT].max_delegates + 1))


@pytest.mark.parametrize(
    ("event", "category", "payment", "delegates", "code"),
    [
        ("no-such-event", "voluntary", "card", 3, "unknown_event"),
        (OPEN_EVENT, "gold", "card", 3, "unknown_category"),
        (OPEN_EVENT, "voluntary", "cash", 3, "bad_payment"),
        (OPEN_EVENT, "voluntary", "card", 0, "bad_delegates"),
        (OPEN_EVENT, "voluntary", "card", 21, "bad_delegates"),
    ],
)
def test_a_ladder_for_something_not_sold_is_refused_like_a_quote(fees, event, category, payment, delegates, code):
    with pytest.raises(QuoteError) as caught:
        ladder(fees, event, category, payment, delegates)
    assert caught.value.code == code


def test_a_quote_for_another_event_keeps_the_prices_and_names_the_event(fees):
    one = quote(fees, OPEN_EVENT, "voluntary", 4, "invoice")
    twin = one.for_event("another-event")
    assert twin.event == "another-event" and one.event == OPEN_EVENT
    assert (twin.lines, twin.total_pence, twin.net_pence, twin.vat_pence) == (
        one.lines,
        one.total_pence,
        one.net_pence,
        one.vat_pence,
    )
    assert one.for_event(OPEN_EVENT) is one
