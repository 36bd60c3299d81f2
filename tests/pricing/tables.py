"""Fee tables and strategies the pricing tests share."""

from __future__ import annotations

from hypothesis import strategies as st

prices = st.integers(min_value=1, max_value=10_000_00)
percents = st.integers(min_value=0, max_value=100)


def fee_table_text(price: int, vat: int, additional: int, online: int) -> str:
    return f"""
currency: GBP
vat_percent: {vat}
discounts: {{additional_delegate_percent: {additional}, online_payment_percent: {online}}}
tariffs:
  t: {{label: T, categories: {{c: {{label: C, net: "{price // 100}.{price % 100:02d}"}}}}}}
events:
  e: {{tariff: t, booking_closes: "2030-01-01 12:00", max_delegates: 50}}
"""


# Early-booking rates and discount codes: one event with an early rate, one without, two codes.
CODES_TABLE = """
currency: GBP
vat_percent: 20
discounts: {additional_delegate_percent: 15, online_payment_percent: 10}
tariffs:
  virtual:
    label: Virtual
    categories:
      public-sector: {label: NHS, net: "295.00"}
events:
  police:
    tariff: virtual
    booking_closes: "2027-09-13 17:00"
    max_delegates: 20
    early_booking: {until: "2027-06-30 23:59", percent: 10}
  retention: {tariff: virtual, booking_closes: "2027-05-19 17:00", max_delegates: 20}
codes:
  SPEAKER27: {percent: 100, events: [police], until: "2027-09-13 17:00"}
  PARTNER15: {percent: 15}
"""
