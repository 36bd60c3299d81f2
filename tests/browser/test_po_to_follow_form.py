"""A finance officer books by invoice from the booking form with "My purchase order will follow", with and without
JavaScript: no PO number is asked for (or, typed anyway, kept), the booking is confirmed from the e-mail, its places
are held and the private PO page opens; the form with the box ticked is axe clean."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import EVENT, DevServer
from tests.browser.journeys import delegate, fill_delegate, fill_person
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_quote_journey import _mail

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_an_invoice_booking_with_the_po_to_follow_holds_the_places_and_opens_the_po_page(
    request, javascript, devserver: DevServer, person, axe_source, fees
):
    page = request.getfixturevalue("page" if javascript else "page_without_js")
    page.goto(f"/events/{EVENT}/")
    page.get_by_label("NHS, Schools, Care and Public Sector").check()
    page.get_by_label("Ask for an invoice").check()
    fill_person(page.get_by_role("group", name="Your details"), person)
    fill_delegate(delegate(page, 1, exact=False), 1, person)
    billing = page.get_by_role("group", name="If you asked for an invoice")
    billing.get_by_label("Name of the person or team who pays invoices").fill("Accounts Payable")
    billing.get_by_label("E-mail address for invoices").fill(f"accounts.{person['email']}")
    billing.get_by_label("Postal address for the invoice").fill("St James's University Hospital\nLeeds LS9 7TF")
    follow = billing.get_by_role("checkbox", name="My purchase order will follow")
    expect(follow).not_to_be_checked()
    expect(follow).to_have_accessible_description(
        f"We hold the places for up to {fees.po_hold_days} days and e-mail you a link to add it; no invoice until then."
    )
    po_number = billing.get_by_label("Purchase order number (optional)")
    follow.check()
    if javascript:
        expect(po_number).to_be_hidden()  # the number comes later, from the link
        assert axe_violations(page, axe_source) == []
        follow.uncheck()
        expect(po_number).to_be_visible()
        po_number.fill("PO-TYPED-FIRST")
        follow.check()
        expect(po_number).to_be_hidden()
    else:
        po_number.fill("PO-TYPED-ANYWAY")  # the function keeps no PO from a booking whose PO is to follow
    page.get_by_label("I accept the booking terms and conditions").check()
    with page.expect_request(re.compile(r"/api/bookings$")) as sent:
        page.get_by_role("button", name="Book now").click()
    if javascript:
        body = json.loads(sent.value.post_data or "{}")
        assert body["payment"] == "invoice" and body["po_to_follow"] is True and "purchase_order" not in body
    else:
        assert parse_qs(sent.value.post_data or "")["po_to_follow"] == ["true"]
    page.wait_for_url(re.compile(r"/api/bookings/invoice/requested\?"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail to confirm your booking")
    ref = parse_qs(urlsplit(page.url).query)["booking_ref"][0]

    confirm = re.search(r"(http\S+/api/bookings/invoice/confirm\?token=\S+)", _mail(devserver.outbox, ref, "Confirm"))
    page.goto(confirm[1])
    expect(page.get_by_role("main")).to_contain_text("no invoice until then")
    page.get_by_role("button", name="Confirm and hold the places").click()
    page.wait_for_url(re.compile(r"/api/bookings/po\?token="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Add your purchase order")
    expect(page.get_by_label("Purchase order (PO) number")).to_have_value("")
    assert _mail(devserver.outbox, ref, "Add your purchase")
