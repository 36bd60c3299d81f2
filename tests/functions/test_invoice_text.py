"""What the VAT invoice says besides its prices stays within Stripe's limits (counted in UTF-16 units, as Stripe
counts them) and never loses the VAT summary, whatever the delegates' names and however many."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.payments.invoices import InvoiceText, describe, footer, invoice_params
from booking.request import BookingRequest
from functions.bookings import price
from pricing import load_fee_table
from pricing.organiser import load_organiser
from tests.backoffice.conftest import booking
from tests.fixture_site import FIXTURE_FEES, FIXTURE_ORGANISER

FEES = load_fee_table(FIXTURE_FEES)
TEXT = InvoiceText("T" * 200, "Tuesday 14 September 2083", date(2026, 12, 6), load_organiser(FIXTURE_ORGANISER))
NAMES = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Cf")), min_size=1, max_size=100)


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@settings(max_examples=60, deadline=None)
@given(
    NAMES.filter(str.strip),
    st.integers(1, 20),
    st.text(st.characters(min_codepoint=0x30, max_codepoint=0x5A), max_size=60),
)
def test_the_memo_footer_and_custom_fields_fit_stripes_limits_and_keep_the_vat_summary(name, delegates, po):
    data = booking(delegates, payment="invoice", purchase_order=po)
    for delegate in data["delegates"]:
        delegate["name"] = name
    try:
        priced = price(BookingRequest.model_validate(data), FEES)
    except ValueError:  # a name or PO the booking form refuses never reaches an invoice
        return
    memo = describe(priced, TEXT)
    assert _units(memo) <= 1500 and "VAT at 20% £" in memo and memo.startswith(f"Booking {priced.ref}: ")
    assert _units(footer(priced, TEXT)) <= 5000 and "VAT registration number GB123456789" in footer(priced, TEXT)
    fields = invoice_params(priced, "cus_1", TEXT)["custom_fields"]
    assert len(fields) <= 4 and all(_units(f["name"]) <= 40 and _units(f["value"]) <= 140 for f in fields)


def test_the_memo_names_every_delegate_of_a_small_booking_and_counts_the_rest_of_a_large_one():
    small = price(BookingRequest.model_validate(booking(3, payment="invoice")), FEES)
    assert all(f"Delegate {i}" in describe(small, TEXT) for i in (1, 2, 3))
    data = booking(20, payment="invoice")
    for delegate in data["delegates"]:
        delegate["name"] = delegate["name"] + " " + "x" * 80
    large = describe(price(BookingRequest.model_validate(data), FEES), TEXT)
    assert "more." in large and "Net £" in large
