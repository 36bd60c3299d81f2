"""The pricing rules (docs/organisers.md, "Check a price"), as literal totals and as properties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing import QuoteError, parse_fee_table, pence_to_decimal_text, quote, round_half_up
from tests.fixture_site import OPEN_EVENT
from tests.pricing.tables import fee_table_text, percents, prices

EVENT = OPEN_EVENT


@pytest.mark.parametrize(
    ("category", "net", "gross"),
    [("public-sector", 29500, 35400), ("voluntary", 25000, 30000), ("commercial", 49500, 59400)],
)
def test_one_delegate_by_invoice_matches_the_seed_page(fees, category, net, gross):
    result = quote(fees, EVENT, category, 1, "invoice")
    assert (result.net_pence, result.total_pence) == (net, gross)
    assert result.vat_pence == gross - net


def test_second_delegate_gets_fifteen_percent_off(fees):
    result = quote(fees, EVENT, "public-sector", 2, "invoice")
    assert [line.net_pence for line in result.lines] == [29500, 25075]
    assert [line.vat_pence for line in result.lines] == [5900, 5015]
    assert result.total_pence == 35400 + 30090


def test_paying_online_takes_ten_percent_off_every_delegate(fees):
    result = quote(fees, EVENT, "public-sector", 3, "card")
    # 295 * 0.9 = 265.50; 295 * 0.85 * 0.9 = 225.675 -> 225.68 (one rounding, half up)
    assert [line.net_pence for line in result.lines] == [26550, 22568, 22568]
    assert [line.vat_pence for line in result.lines] == [5310, 4514, 4514]
    assert (result.net_pence, result.vat_pence, result.total_pence) == (71686, 14338, 86024)


@pytest.mark.parametrize(
    ("category", "delegates", "payment", "total"),
    [
        ("voluntary", 1, "card", 27000),
        ("voluntary", 2, "card", 27000 + 22950),
        ("commercial", 2, "card", 53460 + 45442),
        ("commercial", 5, "invoice", 59400 + 4 * 50490),
    ],
)
def test_literal_totals_over_several_lines(fees, category, delegates, payment, total):
    assert quote(fees, EVENT, category, delegates, payment).total_pence == total


def test_round_half_up_rounds_halves_away_from_zero():
    assert round_half_up(Decimal("225.5")) == 226
    assert round_half_up(Decimal("225.4999")) == 225
    assert round_half_up(Decimal("0.5")) == 1


@pytest.mark.parametrize(
    ("event", "category", "delegates", "payment", "code"),
    [
        ("no-such-event", "public-sector", 1, "card", "unknown_event"),
        (EVENT, "students", 1, "card", "unknown_category"),
        (EVENT, "public-sector", 0, "card", "bad_delegates"),
        (EVENT, "public-sector", 21, "card", "bad_delegates"),
        (EVENT, "public-sector", True, "card", "bad_delegates"),
        (EVENT, "public-sector", 1, "cheque", "bad_payment"),
    ],
)
def test_a_quote_for_something_not_sold_is_refused_with_a_code(fees, event, category, delegates, payment, code):
    with pytest.raises(QuoteError) as caught:
        quote(fees, event, category, delegates, payment)
    assert caught.value.code == code


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_pence_become_exact_decimal_text_for_machines(pence):
    text = pence_to_decimal_text(pence)
    assert Decimal(text) * 100 == pence and len(text.split(".")[1]) == 2


# --- properties over any sane fee table -------------------------------------------------


@given(price=prices, vat=percents, additional=percents, online=percents, delegates=st.integers(1, 50))
def test_totals_are_exact_sums_of_lines_and_never_negative(price, vat, additional, online, delegates):
    fees = parse_fee_table(fee_table_text(price, vat, additional, online))
    for payment in ("card", "invoice"):
        result = quote(fees, "e", "c", delegates, payment)
        assert result.total_pence == sum(line.gross_pence for line in result.lines)
        assert result.net_pence + result.vat_pence == result.total_pence
        assert all(isinstance(v, int) and v >= 0 for line in result.lines for v in line.to_dict().values())


@given(price=prices, vat=percents, additional=percents, online=percents, delegates=st.integers(1, 49))
def test_one_more_delegate_never_costs_less(price, vat, additional, online, delegates):
    fees = parse_fee_table(fee_table_text(price, vat, additional, online))
    for payment in ("card", "invoice"):
        assert (
            quote(fees, "e", "c", delegates + 1, payment).total_pence
            >= quote(fees, "e", "c", delegates, payment).total_pence
        )


@given(price=prices, vat=percents, additional=percents, online=percents, delegates=st.integers(1, 50))
def test_paying_by_card_never_costs_more_than_by_invoice(price, vat, additional, online, delegates):
    fees = parse_fee_table(fee_table_text(price, vat, additional, online))
    assert (
        quote(fees, "e", "c", delegates, "card").total_pence <= quote(fees, "e", "c", delegates, "invoice").total_pence
    )


@given(price=prices, vat=percents, additional=percents, online=percents, delegates=st.integers(1, 50))
def test_each_line_follows_the_formula_with_one_rounding(price, vat, additional, online, delegates):
    fees = parse_fee_table(fee_table_text(price, vat, additional, online))
    result = quote(fees, "e", "c", delegates, "card")
    for line in result.lines:
        a = Decimal(1) if line.delegate == 1 else 1 - Decimal(additional) / 100
        o = 1 - Decimal(online) / 100
        exact_net = Decimal(price) * a * o
        assert abs(Decimal(line.net_pence) - exact_net) <= Decimal("0.5")
        assert abs(Decimal(line.vat_pence) - line.net_pence * Decimal(vat) / 100) <= Decimal("0.5")
