"""Whatever the organiser writes in fees.yaml, the form's price data is the quote, formatted, and its lines hold."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from pelican.plugins.event_site.booking import build_offer
from pelican.plugins.event_site.form_prices import form_prices, standard_prices
from pricing import format_pence, quote
from pricing.loader import parse_fee_table

FEES = """\
currency: GBP
vat_percent: "{vat}"
discounts:
  additional_delegate_percent: {additional}
  online_payment_percent: {online}
tariffs:
  t:
    label: Tariff
    categories:
      a:
        label: Category A
        net: "{net}"
events:
  e-2030:
    tariff: t
    booking_closes: "2030-01-01 17:00"
    max_delegates: {most}
    early_booking: {{until: "2029-06-30 23:59", percent: {early}}}
"""
BUILT_EARLY = datetime(2029, 1, 1, tzinfo=UTC)
BUILT_LATER = datetime(2029, 7, 1, tzinfo=UTC)


def shown(rates: dict, n: int) -> tuple[list[str], list[str]]:
    """What the script shows for n delegates: each delegate's fee before VAT, then the three totals."""
    return [rates["each"][0 if i == 0 else 1] for i in range(n)], rates["rows"][n - 1]


@settings(max_examples=30, deadline=None)
@given(
    net_pence=st.integers(min_value=1, max_value=500_000),
    vat=st.sampled_from(["0", "5", "17.5", "20"]),
    additional=st.integers(min_value=0, max_value=50),
    online=st.integers(min_value=0, max_value=50),
    early=st.integers(min_value=0, max_value=50),
    most=st.integers(min_value=1, max_value=12),
    built=st.sampled_from([BUILT_EARLY, BUILT_LATER]),
)
def test_form_price_rows_are_the_quotes_of_every_delegate_count(net_pence, vat, additional, online, early, most, built):
    text = FEES.format(
        vat=vat,
        additional=additional,
        online=online,
        early=early,
        net=f"{net_pence // 100}.{net_pence % 100:02d}",
        most=most,
    )
    fees = parse_fee_table(text)
    booking = build_offer(fees, "e-2030", datetime(2031, 1, 1, tzinfo=UTC), built)
    data = form_prices(booking, "/assets/prices/x.json")
    assert data["max"] == most
    tables = [(data["categories"], built)]
    if built == BUILT_EARLY:
        assert (
            data["early"]["ends"] == "2029-07-01T00:00:00+01:00"
            and data["early"]["standard"] == "/assets/prices/x.json"
        )
        tables.append((standard_prices(booking)["categories"], BUILT_LATER))
    else:
        assert "early" not in data
    for categories, at in tables:
        for payment in ("card", "invoice"):
            rates = categories["a"][payment]
            assert len(rates["rows"]) == most
            for n in range(1, most + 1):
                priced = quote(fees, "e-2030", "a", n, payment, at=at)
                lines, sums = shown(rates, n)
                assert lines == [format_pence(line.net_pence) for line in priced.lines]
                assert sums == [
                    format_pence(priced.net_pence),
                    format_pence(priced.vat_pence),
                    format_pence(priced.total_pence),
                ]
