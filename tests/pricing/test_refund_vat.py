"""The VAT part of a refund: all of it for a full refund, the charged share of it for a part, never more."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing import quote, refund_vat
from pricing.loader import load_fee_table
from tests.fixture_site import FIXTURE_FEES, OPEN_EVENT


@pytest.mark.parametrize(
    ("refund", "gross", "vat", "expected"),
    [
        (35400, 35400, 5900, 5900),  # one NHS place by invoice, refunded in full
        (5000, 31860, 5310, 833),  # £50.00 of £318.60: 5000 × 5310 / 31860 = 833.33…
        (17700, 35400, 5900, 2950),  # half of it
        (1, 35400, 5900, 0),
        (0, 35400, 5900, 0),
    ],
)
def test_a_refund_gives_back_vat_in_the_proportion_it_was_charged(refund, gross, vat, expected):
    assert refund_vat(refund, gross, vat) == expected


def test_a_real_quote_refunded_in_full_gives_back_its_vat_exactly():
    priced = quote(load_fee_table(FIXTURE_FEES), OPEN_EVENT, "public-sector", 3, "card")
    assert refund_vat(priced.total_pence, priced.total_pence, priced.vat_pence) == priced.vat_pence


@pytest.mark.parametrize(("refund", "gross", "vat"), [(35401, 35400, 5900), (-1, 35400, 5900), (10, 100, 101)])
def test_an_impossible_refund_is_refused(refund, gross, vat):
    with pytest.raises(ValueError):
        refund_vat(refund, gross, vat)


@given(st.data())
def test_vat_of_a_part_never_exceeds_the_part_or_the_whole_and_grows_with_it(data):
    gross = data.draw(st.integers(min_value=1, max_value=10_000_000))
    vat = data.draw(st.integers(min_value=0, max_value=gross))
    part = data.draw(st.integers(min_value=0, max_value=gross))
    more = data.draw(st.integers(min_value=part, max_value=gross))
    assert 0 <= refund_vat(part, gross, vat) <= min(part, vat)
    assert refund_vat(part, gross, vat) <= refund_vat(more, gross, vat)
    assert abs(refund_vat(part, gross, vat) + refund_vat(gross - part, gross, vat) - vat) <= 1
