"""In Chromium: the early-booking rate on the page and in the form's total, and a booking with a discount code
reaching checkout with the discounted total, with JavaScript on and off."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from playwright.sync_api import expect

from pricing import UK, format_pence, quote
from tests.browser.journeys import delegate, fill_delegate, fill_person, pay_on_checkout

pytestmark = pytest.mark.browser

EARLY_EVENT = "records-retention-2083"  # the test site: 10% off until 31 March 2083 at 23:59
AFTER_THE_EARLY_RATE = datetime(2083, 4, 2, 9, 0, tzinfo=UK)


def _total(fees, delegates: int, payment: str = "card", code: str | None = None, at: datetime | None = None) -> str:
    return format_pence(quote(fees, EARLY_EVENT, "public-sector", delegates, payment, at=at, code=code).total_pence)


def test_the_fee_table_shows_the_early_rate_and_its_end_date_beside_the_standard_price(page, fees):
    page.goto(f"/events/{EARLY_EVENT}/")
    fees_section = page.get_by_role("region", name="Fee options")
    expect(fees_section).to_contain_text(
        "Early-booking rate: 10% off every fee for bookings made by 31 March 2083 at 23:59 (UK time)"
    )
    row = fees_section.get_by_role("row", name=re.compile(r"^NHS, Schools, Care and Public Sector"))
    early = quote(fees, EARLY_EVENT, "public-sector", 1, "invoice", at=fees.events[EARLY_EVENT].early_booking.until)
    standard = quote(fees, EARLY_EVENT, "public-sector", 1, "invoice", at=AFTER_THE_EARLY_RATE)
    expect(row).to_contain_text(f"Early booking, until 31 March 2083 at 23:59: {format_pence(early.net_pence)} + VAT")
    expect(row).to_contain_text(f"Standard rate: {format_pence(standard.net_pence)} + VAT")


def test_with_javascript_a_code_booking_reaches_checkout_with_the_discounted_total(page, person, fees):
    page.goto(f"/events/{EARLY_EVENT}/")
    form = page.get_by_role("region", name="Book your place")
    form.get_by_label("NHS, Schools, Care and Public Sector").check()
    summary = form.get_by_role("table", name=re.compile(r"^Your booking"))
    expect(summary).to_have_accessible_name(re.compile(r"early-booking rate$"))
    expect(summary.get_by_role("row", name=f"Total to pay {_total(fees, 1)}")).to_be_visible()
    form.get_by_role("button", name="Add another delegate").click()
    fill_person(page.get_by_role("group", name="Your details"), person)
    fill_delegate(delegate(page, 1), 1, person)
    fill_delegate(delegate(page, 2), 2, person)
    form.get_by_label("Discount code (optional)").fill("partner15")
    form.get_by_label("I accept the booking terms and conditions").check()
    expect(form.get_by_text("Discount code partner15: checked and taken off before you pay.")).to_be_visible()
    # The running total cannot know codes: it still shows the price without one.
    expect(summary.get_by_role("row", name=f"Total to pay {_total(fees, 2)}")).to_be_visible()
    form.get_by_role("button", name="Book now").click()

    discounted = _total(fees, 2, code="PARTNER15")
    page.wait_for_url(re.compile(r"/_stripe/checkout/"))
    expect(page.get_by_role("row", name=re.compile(r"^Code PARTNER15 \(15% off\) −£"))).to_be_visible()
    pay_on_checkout(page, discounted)


def test_without_javascript_a_code_booking_reaches_checkout_with_the_discounted_total(page_without_js, person, fees):
    page = page_without_js
    page.goto(f"/events/{EARLY_EVENT}/")
    form = page.get_by_role("region", name="Book your place")
    table = form.get_by_role("table", name="NHS, Schools, Care and Public Sector")
    early_row = f"1 {_total(fees, 1)} {_total(fees, 1, 'invoice')}"
    standard_row = f"{_total(fees, 1, at=AFTER_THE_EARLY_RATE)} {_total(fees, 1, 'invoice', at=AFTER_THE_EARLY_RATE)}"
    expect(table.get_by_role("row", name=f"{early_row} {standard_row}")).to_be_visible()

    form.get_by_label("NHS, Schools, Care and Public Sector").check()
    fill_person(page.get_by_role("group", name="Your details"), person)
    fill_delegate(delegate(page, 1), 1, person)
    form.get_by_label("Discount code (optional)").fill("PARTNER15")
    form.get_by_label("I accept the booking terms and conditions").check()
    form.get_by_role("button", name="Book now").click()
    pay_on_checkout(page, _total(fees, 1, code="PARTNER15"))


def test_an_unknown_code_is_shown_by_its_field(page, person):
    page.goto(f"/events/{EARLY_EVENT}/")
    form = page.get_by_role("region", name="Book your place")
    form.get_by_label("Voluntary sector & charities").check()
    fill_person(page.get_by_role("group", name="Your details"), person)
    fill_delegate(delegate(page, 1), 1, person)
    form.get_by_label("Discount code (optional)").fill("NOTACODE")
    form.get_by_label("I accept the booking terms and conditions").check()
    form.get_by_role("button", name="Book now").click()
    message = 'We do not recognise the discount code "NOTACODE"'
    expect(page.get_by_role("alert").get_by_role("link", name=re.compile(message))).to_be_visible()
    expect(form.get_by_label("Discount code (optional)")).to_have_attribute("aria-invalid", "true")


def test_after_the_early_rate_ends_by_the_visitors_clock_the_total_is_the_standard_rate(page, fees):
    page.clock.install(time=AFTER_THE_EARLY_RATE)
    page.goto(f"/events/{EARLY_EVENT}/")
    form = page.get_by_role("region", name="Book your place")
    form.get_by_label("NHS, Schools, Care and Public Sector").check()
    summary = form.get_by_role("table", name=re.compile(r"^Your booking"))
    expect(summary).to_have_accessible_name(re.compile(r"standard rate$"))
    standard = _total(fees, 1, at=AFTER_THE_EARLY_RATE)
    expect(summary.get_by_role("row", name=f"Total to pay {standard}")).to_be_visible()
    expect(
        form.get_by_text("The early-booking rate ended 31 March 2083 at 23:59 (UK time): standard rate.")
    ).to_be_visible()
