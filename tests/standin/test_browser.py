"""The test checkout in Debian's Chromium: roles and names a screen reader gets, no blocked or foreign requests."""

from __future__ import annotations

import re

import pytest

from tests.standin.conftest import valid_session

pytestmark = pytest.mark.browser


def test_pay_in_a_real_browser_lands_on_the_success_page_with_the_session_id(standin, client, receiver, browser):
    params = valid_session()
    params["success_url"] = receiver.url + "/booked?session_id={CHECKOUT_SESSION_ID}"
    session = client.v1.checkout.sessions.create(params=params)
    page = browser.new_page(java_script_enabled=False)
    try:
        origins: set[str] = set()
        problems: list[str] = []
        page.on("request", lambda r: origins.add(re.match(r"^https?://[^/]+", r.url).group(0)))
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        page.goto(session.url)
        assert page.get_by_role("main").count() == 1
        assert page.get_by_role("heading", level=1).inner_text() == "Test checkout — no real payment is taken"
        pay = page.get_by_role("button", name=re.compile(r"^Pay £318\.60"))
        assert pay.count() == 1
        assert page.get_by_role("link", name="Cancel and return").get_attribute("href") == params["cancel_url"]
        assert page.evaluate("getComputedStyle(document.querySelector('button')).fontWeight") == "700"
        assert origins == {standin.url}
        page.set_viewport_size({"width": 320, "height": 640})  # WCAG reflow: no sideways scrolling on a phone
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        pay.click()
        page.wait_for_url(re.compile(r"/booked\?session_id="))
        assert page.url == f"{receiver.url}/booked?session_id={session.id}"
        assert problems == []
    finally:
        page.context.close()
    assert [d.type for d in standin.deliveries] == ["checkout.session.completed"]


def test_refund_a_paid_checkout_in_part_then_in_full_by_label_and_role_without_javascript(standin, client, browser):
    session = client.v1.checkout.sessions.create(params=valid_session())
    standin.complete(session.id)
    page = browser.new_page(java_script_enabled=False)
    try:
        page.goto(standin.checkout_url(session.id))
        assert page.get_by_role("heading", level=2, name="Refund").count() == 1
        page.get_by_label("Amount to refund, in pounds (for example 50.00)").fill("500")
        page.get_by_role("button", name="Refund part").click()
        alert = page.get_by_role("alert")
        assert "greater than unrefunded amount" in alert.inner_text()
        field = page.get_by_label("Amount to refund, in pounds (for example 50.00)")
        assert field.get_attribute("aria-invalid") == "true"
        field.fill("50.00")
        page.get_by_role("button", name="Refund part").click()
        assert "Refunded so far: £50.00 of £318.60" in " ".join(page.get_by_role("main").inner_text().split())
        page.get_by_role("button", name="Refund in full (£268.60)").click()
        assert "refunded in full" in page.get_by_role("main").inner_text()
        assert page.get_by_role("button", name=re.compile("Refund")).count() == 0
    finally:
        page.context.close()
    refunds = [d for d in standin.deliveries if d.type == "charge.refunded"]
    assert len(refunds) == 2
