"""Steps a person takes through the booking form, by labels and roles only, shared by the browser tests."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import EVENT

EVENT_TITLE = re.compile(r"^Information Sharing & The Police")
REF = re.compile(r"\bCP-[2-9A-HJKMNP-TV-Z]{6}\b")


def open_event_from_home(page) -> None:
    page.goto("/")
    page.get_by_role("link", name=EVENT_TITLE).click()
    page.wait_for_url(f"**/events/{EVENT}/")


def fill_person(scope, who: dict[str, str]) -> None:
    scope.get_by_label("Full name").fill(who["name"])
    scope.get_by_label("E-mail address").fill(who["email"])
    scope.get_by_label("Organisation", exact=True).fill(who["organisation"])


def delegate(page, n: int, exact: bool = True):
    return page.get_by_role("group", name=f"Delegate {n}", exact=exact)


def fill_delegate(group, n: int, who: dict[str, str]) -> None:
    group.get_by_label("Full name").fill(f"Delegate {n} of {who['name']}")
    group.get_by_label("E-mail address").fill(f"delegate{n}.{who['email']}")
    group.get_by_label("Job title (optional)").fill("Information Governance Lead")


def pay_on_checkout(page, total: str) -> None:
    """On the stand-in's hosted test checkout: it shows the total, and its Pay button names it."""
    page.wait_for_url(re.compile(r"/_stripe/checkout/"))
    assert page.get_by_role("row", name=re.compile(rf"Total to pay {re.escape(total)}")).count() == 1
    page.get_by_role("button", name=re.compile(rf"^Pay {re.escape(total)}")).click()


def confirmed_ref(page) -> str:
    """The booking reference on the confirmation page, after its heading says the booking is confirmed."""
    page.wait_for_url(re.compile(r"/api/bookings/confirmation\?session_id=cs_"))
    assert page.get_by_role("heading", level=1).inner_text() == "Booking confirmed"
    found = REF.findall(page.get_by_role("main").inner_text())
    assert found, "no booking reference on the confirmation page"
    return found[0]


def make_mistakes(page) -> None:
    """A bad e-mail address, no name, terms not ticked."""
    page.goto(f"/events/{EVENT}/")
    page.get_by_label("NHS, Schools, Care and Public Sector").check()
    details = page.get_by_role("group", name="Your details")
    details.get_by_label("E-mail address").fill("priya.shah-at-nhs.net")
    details.get_by_label("Organisation", exact=True).fill("Leeds Teaching Hospitals NHS Trust")
    delegate(page, 1, exact=False).get_by_label("Full name").fill("Priya Shah")
    delegate(page, 1, exact=False).get_by_label("E-mail address").fill("priya.shah@nhs.net")
    page.get_by_role("button", name="Book now").click()


def assert_field_error(field, message: str) -> None:
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile(rf"Error: {re.escape(message)}"))
