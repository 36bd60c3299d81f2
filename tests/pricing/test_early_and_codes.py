"""Early-booking rates and discount codes: the fee table's checks, the extended rule and its properties."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pricing import CODE_REFUSED, UK, CodeError, FeeTableError, ladder, parse_fee_table, quote, round_half_up
from tests.pricing.tables import CODES_TABLE

EARLY = datetime(2027, 6, 1, 9, 0, tzinfo=UK)
LATE = datetime(2027, 7, 1, 9, 0, tzinfo=UK)


@pytest.fixture(scope="module")
def fees():
    return parse_fee_table(CODES_TABLE)


# --- the fee table ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "old", "new", "field", "words"),
    [
        (
            "early percent over 100",
            '23:59", percent: 10}',
            '23:59", percent: 110}',
            "events.police.early_booking.percent",
            "100%",
        ),
        (
            "code percent below 0",
            "PARTNER15: {percent: 15}",
            "PARTNER15: {percent: -15}",
            "codes.PARTNER15.percent",
            "0",
        ),
        ("early date", '"2027-06-30 23:59"', '"30th June"', "events.police.early_booking.until", "date and time"),
        ("code date", 'until: "2027-09-13 17:00"}', 'until: "soon"}', "codes.SPEAKER27.until", "date and time"),
        (
            "early rate after booking closes",
            '"2027-06-30 23:59"',
            '"2027-09-14 09:00"',
            "events.police.early_booking.until",
            "must end before booking closes",
        ),
        ("code for unknown event", "events: [police]", "events: [polise]", "codes.SPEAKER27.events", '"polise"'),
        (
            "codes differing only in case",
            "PARTNER15: {percent: 15}",
            "PARTNER15: {percent: 15}\n  partner15: {percent: 20}",
            "codes.partner15",
            '"PARTNER15"',
        ),
        ("code with a space", "PARTNER15:", "PARTNER 15:", "codes.PARTNER 15", "letters, digits"),
        (
            "misspelt early setting",
            '23:59", percent: 10}',
            '23:59", percentage: 10}',
            "events.police.early_booking.percentage",
            "spelling",
        ),
    ],
)
def test_an_organisers_mistake_names_file_field_and_fix(name, old, new, field, words):
    assert old in CODES_TABLE
    with pytest.raises(FeeTableError) as caught:
        parse_fee_table(CODES_TABLE.replace(old, new, 1), "content/fees.yaml")
    matching = [p for p in caught.value.problems if p.field == field]
    assert matching, f"{name}: {caught.value}"
    assert str(matching[0]).startswith(f"content/fees.yaml: {field}: ")
    assert words in matching[0].message


def test_every_problem_is_reported_at_once():
    broken = CODES_TABLE.replace("events: [police]", "events: [nowhere]").replace(
        '"2027-06-30 23:59"', '"2028-01-01 00:00"'
    )
    with pytest.raises(FeeTableError) as caught:
        parse_fee_table(broken)
    assert {p.field for p in caught.value.problems} == {"codes.SPEAKER27.events", "events.police.early_booking.until"}


def test_a_date_alone_means_the_end_of_that_day(fees):
    table = parse_fee_table(CODES_TABLE.replace('"2027-06-30 23:59"', '"2027-06-30"'))
    assert table.events["police"].early_booking.until == datetime(2027, 6, 30, 23, 59, 59, tzinfo=UK)


# --- the rule, with literal totals ------------------------------------------------------------


def test_early_rate_takes_its_percentage_off_with_one_rounding(fees):
    result = quote(fees, "police", "public-sector", 2, "card", at=EARLY)
    # 295 * 0.9 * 0.9 = 238.95; 295 * 0.85 * 0.9 * 0.9 = 203.1075 -> 203.11
    assert [line.net_pence for line in result.lines] == [23895, 20311]
    assert [line.vat_pence for line in result.lines] == [4779, 4062]
    assert result.total_pence == 28674 + 24373
    assert result.early_booking is not None and result.early_booking.percent == Decimal("0.1")


@pytest.mark.parametrize(
    ("moment", "early"),
    [
        (datetime(2027, 6, 30, 23, 59, 0), True),
        (datetime(2027, 6, 30, 23, 59, 59), True),
        (datetime(2027, 7, 1, 0, 0, 0), False),
    ],
)
def test_the_early_rate_runs_to_the_end_of_its_last_minute_uk_time(fees, moment, early):
    result = quote(fees, "police", "public-sector", 1, "invoice", at=moment)
    assert (result.total_pence == 31860) is early
    assert (result.early_booking is not None) is early


def test_a_summer_booking_is_judged_in_british_summer_time(fees):
    # 22:30 UTC on 30 June is 23:30 BST: still early. 23:30 UTC is 00:30 BST on 1 July: not.
    from datetime import UTC

    assert quote(fees, "police", "public-sector", 1, at=datetime(2027, 6, 30, 22, 30, tzinfo=UTC)).early_booking
    assert not quote(fees, "police", "public-sector", 1, at=datetime(2027, 6, 30, 23, 30, tzinfo=UTC)).early_booking


def test_code_and_early_rate_stack_as_one_product(fees):
    result = quote(fees, "police", "public-sector", 2, "invoice", at=EARLY, code="partner15")
    # 295 * 0.9 * 0.85 = 225.675 -> 225.68; 295 * 0.85 * 0.9 * 0.85 = 191.82375 -> 191.82
    assert [line.net_pence for line in result.lines] == [22568, 19182]
    assert result.code == "PARTNER15"
    assert result.before_code == quote(fees, "police", "public-sector", 2, "invoice", at=EARLY)
    assert result.code_discount_pence == result.before_code.total_pence - result.total_pence > 0


def test_a_hundred_percent_code_makes_a_free_booking(fees):
    result = quote(fees, "police", "public-sector", 3, "card", at=LATE, code="Speaker27")
    assert (result.net_pence, result.vat_pence, result.total_pence) == (0, 0, 0)
    assert result.code_discount_pence == quote(fees, "police", "public-sector", 3, "card", at=LATE).total_pence


@pytest.mark.parametrize(
    ("event", "code", "moment", "error"),
    [
        ("police", "NOPE", EARLY, "unknown_code"),
        ("retention", "SPEAKER27", EARLY, "code_not_for_event"),
        ("police", "speaker27", datetime(2027, 9, 13, 17, 1, tzinfo=UK), "expired_code"),
    ],
)
def test_a_code_that_cannot_be_used_is_refused_on_field_code(fees, event, code, moment, error):
    with pytest.raises(CodeError) as caught:
        quote(fees, event, "public-sector", 1, at=moment, code=code)
    assert (caught.value.code, caught.value.field) == (error, "code")
    # One message whatever the reason, naming no code; only the organiser's command line is told why.
    assert caught.value.message == CODE_REFUSED and code.upper() not in caught.value.message.upper()
    assert code in caught.value.detail


def test_a_code_works_until_the_end_of_its_last_minute(fees):
    assert quote(fees, "police", "public-sector", 1, at=datetime(2027, 9, 13, 17, 0, 59, tzinfo=UK), code="SPEAKER27")


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_no_code_or_a_blank_one_is_the_price_without_a_code(fees, blank):
    result = quote(fees, "police", "public-sector", 1, at=EARLY, code=blank)
    assert result.code is None and result.before_code is None and result.code_discount_pence == 0


def test_the_discounts_applied_are_listed(fees):
    result = quote(fees, "police", "public-sector", 2, "card", at=EARLY, code="PARTNER15")
    listed = result.to_dict()["discounts"]
    assert [d["kind"] for d in listed] == ["additional_delegate", "online_payment", "early_booking", "code"]
    assert listed[2]["until"] == "2027-06-30T23:59+01:00" and listed[3]["code"] == "PARTNER15"
    assert [
        d["kind"] for d in quote(fees, "police", "public-sector", 1, "invoice", at=LATE).to_dict()["discounts"]
    ] == []


# --- properties ---------------------------------------------------------------------------------

# Whole percentages and ones with up to four decimal places ("17.5", "12.3456"), as the fee table allows.
percents = st.integers(min_value=0, max_value=100) | st.integers(0, 1_000_000).map(lambda n: Decimal(n).scaleb(-4))


def _pct(value: int | Decimal) -> str:
    return f'"{value if isinstance(value, int) else format(value, "f")}"'


def _any_table(price: int, vat, additional, online, early, code) -> str:
    return f"""
currency: GBP
vat_percent: {_pct(vat)}
discounts: {{additional_delegate_percent: {_pct(additional)}, online_payment_percent: {_pct(online)}}}
tariffs:
  t: {{label: T, categories: {{c: {{label: C, net: "{price // 100}.{price % 100:02d}"}}}}}}
events:
  e:
    tariff: t
    booking_closes: "2030-01-01 12:00"
    max_delegates: 50
    early_booking: {{until: "2029-06-30 23:59", percent: {_pct(early)}}}
codes:
  CODE: {{percent: {_pct(code)}}}
"""


tables = st.builds(
    _any_table,
    price=st.integers(min_value=1, max_value=10_000_00),
    vat=percents,
    additional=percents,
    online=percents,
    early=percents,
    code=percents,
)
BEFORE = datetime(2029, 6, 1, tzinfo=UK)
AFTER = datetime(2029, 7, 1, tzinfo=UK)


@settings(max_examples=150, deadline=None)
@given(table=tables, delegates=st.integers(1, 50), payment=st.sampled_from(["card", "invoice"]))
def test_the_new_factors_never_raise_a_price(table, delegates, payment):
    fees = parse_fee_table(table)
    standard = quote(fees, "e", "c", delegates, payment, at=AFTER)
    variants = [
        quote(fees, "e", "c", delegates, payment, at=BEFORE),
        quote(fees, "e", "c", delegates, payment, at=AFTER, code="code"),
        quote(fees, "e", "c", delegates, payment, at=BEFORE, code="code"),
    ]
    for variant in variants:
        assert variant.total_pence <= standard.total_pence
        assert all(v.gross_pence <= s.gross_pence for v, s in zip(variant.lines, standard.lines, strict=True))
    assert variants[2].total_pence <= min(variants[0].total_pence, variants[1].total_pence)


@settings(max_examples=150, deadline=None)
@given(table=tables, delegates=st.integers(1, 50), payment=st.sampled_from(["card", "invoice"]), data=st.data())
def test_the_factors_stack_in_any_order_to_the_same_pence(table, delegates, payment, data):
    fees = parse_fee_table(table)
    result = quote(fees, "e", "c", delegates, payment, at=BEFORE, code="CODE")
    price = fees.tariff_for("e").categories["c"].net_pence
    online = 1 - fees.discounts.online_payment_percent if payment == "card" else Decimal(1)
    shared = [online, 1 - fees.events["e"].early_booking.percent, 1 - fees.codes["CODE"].percent]
    for line in result.lines:
        factors = [*shared, Decimal(1) if line.delegate == 1 else 1 - fees.discounts.additional_delegate_percent]
        order = data.draw(st.permutations(factors))
        with localcontext() as exact:
            exact.prec = 100
            product = Decimal(price)
            for factor in order:
                product *= factor
        assert line.net_pence == round_half_up(product)
        assert line.vat_pence == round_half_up(line.net_pence * fees.vat_percent)


@settings(max_examples=60, deadline=None)
@given(
    table=tables,
    delegates=st.integers(1, 50),
    payment=st.sampled_from(["card", "invoice"]),
    at=st.sampled_from([BEFORE, AFTER]),
    code=st.sampled_from([None, "code", "CODE"]),
)
def test_every_rung_of_the_forms_ladder_is_the_quote(table, delegates, payment, at, code):
    fees = parse_fee_table(table)
    rungs = ladder(fees, "e", "c", payment, delegates, at=at, code=code)
    for n, rung in enumerate(rungs, start=1):
        assert rung == quote(fees, "e", "c", n, payment, at=at, code=code)
        assert rung.to_dict() == quote(fees, "e", "c", n, payment, at=at, code=code).to_dict()


def test_every_combination_of_the_shipped_examples_agrees_with_the_ladder(fees):
    for at, code in itertools.product([EARLY, LATE], [None, "PARTNER15", "speaker27"]):
        for payment in ("card", "invoice"):
            rungs = ladder(fees, "police", "public-sector", payment, at=at, code=code)
            assert [r.total_pence for r in rungs] == [
                quote(fees, "police", "public-sector", n, payment, at=at, code=code).total_pence for n in range(1, 21)
            ]
