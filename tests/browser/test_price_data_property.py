"""Whatever the organiser writes in fees.yaml, the form's price data is the quote, formatted, and its lines hold."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from pelican.plugins.event_site.booking import build_offer
from pelican.plugins.event_site.form_prices import form_prices
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
"""


@settings(max_examples=30, deadline=None)
@given(
    net_pence=st.integers(min_value=1, max_value=500_000),
    vat=st.sampled_from(["0", "5", "17.5", "20"]),
    additional=st.integers(min_value=0, max_value=50),
    online=st.integers(min_value=0, max_value=50),
    most=st.integers(min_value=1, max_value=12),
)
def test_form_price_rows_are_the_quotes_of_every_delegate_count(net_pence, vat, additional, online, most):
    text = FEES.format(
        vat=vat, additional=additional, online=online, net=f"{net_pence // 100}.{net_pence % 100:02d}", most=most
    )
    fees = parse_fee_table(text)
    booking = build_offer(fees, "e-2030", datetime(2031, 1, 1, tzinfo=UTC), datetime(2029, 1, 1, tzinfo=UTC))
    data = form_prices(booking)
    assert data["max"] == most
    for payment in ("card", "invoice"):
        rows = data["categories"]["a"][payment]
        assert len(rows) == most
        for n in range(1, most + 1):
            priced = quote(fees, "e-2030", "a", n, payment)
            assert [row[0] for row in rows[:n]] == [format_pence(line.net_pence) for line in priced.lines]
            assert rows[n - 1][1:] == [
                format_pence(priced.net_pence),
                format_pence(priced.vat_pence),
                format_pence(priced.total_pence),
            ]
