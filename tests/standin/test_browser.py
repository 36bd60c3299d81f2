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
