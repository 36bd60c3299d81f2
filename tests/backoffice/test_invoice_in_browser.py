"""The whole invoice journey in Debian's Chromium with JavaScript off: our page, Stripe's (stand-in) invoice, Pay, e-mails."""

from __future__ import annotations

import re

import pytest

from tests.backoffice.conftest import booking

pytestmark = pytest.mark.browser


def test_from_the_invoice_confirmation_page_to_a_paid_invoice_and_the_emails(live, confirmed, browser):
    response = live.post_json(booking(2, payment="invoice", purchase_order="PO-4711"))
    body = response.json()
    page = browser.new_page(java_script_enabled=False)
    try:
        problems: list[str] = []
        # This server answers /api/* only; the site's stylesheet and icon are served by Netlify (or make dev), not here.
        site_files = ("/theme/css/site.css", "/images/favicon.svg")
        page.on(
            "response",
            lambda r: (
                problems.append(f"{r.status} {r.url}") if r.status >= 400 and not r.url.endswith(site_files) else None
            ),
        )
        page.on(
            "console",
            lambda m: (
                problems.append(m.text)
                if m.type in ("error", "warning")
                and "site.css" not in m.text
                and not m.text.startswith("Failed to load resource")
                else None
            ),
        )
        page.goto(body["checkout_url"])
        assert page.get_by_role("heading", level=1).inner_text() == "Check your e-mail to confirm your booking"
        assert live.standin.app.billing.all_invoices() == []  # nothing reaches Stripe before the booker confirms
        page.goto(live.confirmation_link(body["booking_ref"]))
        assert page.get_by_role("heading", level=1).inner_text() == "Confirm your booking"
        page.get_by_role("button", name="Confirm and send the invoice").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", level=1).inner_text() == "Booking received: your invoice is on its way"
        invoice_page = page.url
        invoice = live.invoice_of(body["booking_ref"])
        page.get_by_role("link", name="View or pay the invoice online").click()
        page.wait_for_url(invoice["hosted_invoice_url"])
        assert page.get_by_role("heading", level=1).inner_text() == "Test invoice — no real payment is taken"
        # The PO is the invoice's own field (finance matches it to the PO), and the memo names it too.
        assert (
            page.locator("dt", has_text="PO number").locator("xpath=following-sibling::dd[1]").inner_text() == "PO-4711"
        )
        assert "purchase order PO-4711" in page.get_by_role("main").inner_text()
        pay = page.get_by_role("button", name=re.compile(r"^Pay £654\.90$"))
        assert pay.count() == 1
        page.set_viewport_size({"width": 320, "height": 640})  # WCAG reflow on a phone
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        pay.click()
        page.wait_for_load_state()
        assert "This invoice was paid" in page.get_by_role("main").inner_text()
        assert page.get_by_role("button", name=re.compile(r"^Pay")).count() == 0
        page.goto(invoice_page)
        assert page.get_by_role("heading", level=1).inner_text() == "Booking confirmed"
        assert problems == []
    finally:
        page.context.close()
    assert [d.type for d in live.standin.deliveries] == ["invoice.paid"]
    assert len(live.wait_for_mail(4)) == 4 and len(confirmed()) == 1
