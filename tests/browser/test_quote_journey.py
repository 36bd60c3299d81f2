"""A finance officer asks for a quotation from the booking form, with and without JavaScript, confirms it from the
e-mail, books it with the PO to follow, then adds the PO on the private PO page (its labels and field errors,
axe clean); the quotation's page is axe clean too."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import EVENT, DevServer
from tests.browser.journeys import assert_field_error, delegate, fill_delegate, fill_person
from tests.browser.test_accessibility import axe_violations
from tests.waiting import wait_until

pytestmark = pytest.mark.browser


def _mail(outbox: Path, ref: str, subject: str) -> str:
    """The plain text of the message about `ref` whose subject starts with `subject`."""

    def found() -> str | None:
        for path in sorted(outbox.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if message["X-Booking-Ref"] == ref and str(message["Subject"]).startswith(subject):
                return message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        return None

    return wait_until(found, timeout=15, what=f"{subject!r} for {ref} in {outbox}")


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_a_quote_asked_from_the_form_is_booked_with_the_po_to_follow_and_the_po_added(
    request, javascript, devserver: DevServer, person, axe_source
):
    page = request.getfixturevalue("page" if javascript else "page_without_js")
    page.goto(f"/events/{EVENT}/")
    page.get_by_label("NHS, Schools, Care and Public Sector").check()
    fill_person(page.get_by_role("group", name="Your details"), person)
    fill_delegate(delegate(page, 1, exact=False), 1, person)
    page.get_by_label("I accept the booking terms and conditions").check()
    page.get_by_role("button", name="I need a quote to raise a purchase order").click()
    page.wait_for_url(re.compile(r"/api/bookings/invoice/requested\?"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail to get your quotation")
    ref = parse_qs(urlsplit(page.url).query)["booking_ref"][0]
    confirm = re.search(r"(http\S+/api/bookings/invoice/confirm\?token=\S+)", _mail(devserver.outbox, ref, "Confirm"))
    page.goto(confirm[1])
    page.get_by_role("button", name="Send me the quotation").click()
    page.wait_for_url(re.compile(r"/api/bookings/quote\?token="))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Quotation Q-\d{6}$"))
    expect(page.get_by_text("This is not a VAT invoice")).to_be_visible()
    expect(page.get_by_role("table", name="Places and prices")).to_contain_text("£354.00")
    if javascript:  # axe runs in the page's own JavaScript
        assert axe_violations(page, axe_source) == []
    page.get_by_role("button", name="Book with the PO to follow").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Booked: {ref}, with the PO to follow")
    po_link = re.search(r"(http\S+/api/bookings/po\?token=\S+)", _mail(devserver.outbox, ref, "Add your purchase"))
    page.goto(po_link[1])
    expect(page.get_by_role("heading", level=1)).to_have_text("Add your purchase order")
    page.get_by_label("Purchase order (PO) number").fill("")
    page.get_by_label("Invoice made out to").fill("Accounts Payable, Leeds Teaching Hospitals NHS Trust")
    page.get_by_role("button", name="Add the PO and send the invoice").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    assert_field_error(
        page.get_by_label("Purchase order (PO) number"), "Enter the purchase order number as it is on the PO"
    )
    expect(page.get_by_label("Invoice made out to")).to_have_value(
        "Accounts Payable, Leeds Teaching Hospitals NHS Trust"
    )
    if javascript:  # axe runs in the page's own JavaScript
        assert axe_violations(page, axe_source) == []
    page.get_by_label("Purchase order (PO) number").fill("PO-4471-LTH")
    page.get_by_label("Invoice made out to").fill("Accounts Payable, Leeds Teaching Hospitals NHS Trust")
    page.get_by_label("E-mail address for the invoice").fill("accounts.payable@nhs.net")
    page.get_by_label("Invoice postal address").fill("St James's University Hospital\nBeckett Street\nLeeds\nLS9 7TF")
    page.get_by_role("button", name="Add the PO and send the invoice").click()
    page.wait_for_url(re.compile(r"/api/bookings/invoice\?invoice_id=in_"))
    expect(page.get_by_role("main")).to_contain_text(ref)
