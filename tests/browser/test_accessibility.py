"""axe-core finds no WCAG 2.2 AA violations on the pages a booking passes through, and the form works by keyboard alone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import EVENT
from tests.browser.journeys import confirmed_ref, make_mistakes, open_event_from_home

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_violations(page, axe_source: str) -> list[str]:
    # Evaluated rather than added as a <script>: the function's pages forbid inline scripts by CSP.
    page.evaluate(axe_source)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", WCAG_TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
    ]


def test_home_and_event_pages_have_no_violations(page, axe_source):
    page.goto("/")
    assert axe_violations(page, axe_source) == []
    page.goto(f"/events/{EVENT}/")
    page.get_by_label("Voluntary sector & charities").check()
    page.get_by_role("button", name="Add another delegate").click()
    assert axe_violations(page, axe_source) == []


def without_the_form_script(page):
    """The page as a browser that never ran booking.js sees it (axe itself needs JavaScript on)."""
    page.route(
        "**/assets/js/booking.*.js", lambda route: route.fulfill(status=200, content_type="text/javascript", body="")
    )
    return page


def test_event_page_without_the_script_has_no_violations(page, axe_source):
    without_the_form_script(page).goto(f"/events/{EVENT}/")
    expect(page.get_by_role("button", name="Add another delegate")).to_be_hidden()
    assert axe_violations(page, axe_source) == []


def test_the_form_in_its_error_state_has_no_violations(page, axe_source):
    make_mistakes(page)
    expect(page.get_by_role("alert")).to_be_focused()
    assert axe_violations(page, axe_source) == []


def test_the_no_javascript_error_page_has_no_violations(page, axe_source):
    make_mistakes(without_the_form_script(page))
    expect(page.get_by_role("heading", level=1)).to_have_text("There is a problem with your booking")
    assert axe_violations(page, axe_source) == []


def _tab_to(page, target, limit: int = 120) -> None:
    """Press Tab until `target` has focus, as a keyboard user would."""
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def test_keyboard_alone_completes_the_form_and_the_confirmation_has_no_violations(page, devserver, person, axe_source):
    open_event_from_home(page)
    keys = page.keyboard
    _tab_to(page, page.get_by_label("NHS, Schools, Care and Public Sector"))
    keys.press("Space")
    details = page.get_by_role("group", name="Your details")
    for label, value in (("Full name", person["name"]), ("E-mail address", person["email"])):
        _tab_to(page, details.get_by_label(label))
        keys.type(value)
    _tab_to(page, details.get_by_label("Organisation", exact=True))
    keys.type(person["organisation"])
    _tab_to(page, page.get_by_label("Same as the person booking"))
    keys.press("Space")
    _tab_to(page, page.get_by_role("button", name="Add another delegate"))
    keys.press("Enter")
    keys.type("Sam Okafor")  # focus moved to the new delegate's name
    keys.press("Tab")
    keys.type(f"sam.{person['email']}")
    _tab_to(page, page.get_by_label("I accept the booking terms and conditions"))
    keys.press("Space")
    _tab_to(page, page.get_by_role("button", name="Book now"))
    keys.press("Enter")

    page.wait_for_url(re.compile(r"/_stripe/checkout/"))
    _tab_to(page, page.get_by_role("button", name=re.compile(r"^Pay £589\.42")))
    keys.press("Enter")
    confirmed_ref(page)
    assert axe_violations(page, axe_source) == []
