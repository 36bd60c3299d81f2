"""Screenshots of the event page and the form's error state on a phone and a desktop, for people to look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import EVENT
from tests.browser.journeys import make_mistakes

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [375, 1280])
def test_event_page_and_error_state_fit_the_screen(page, screenshots, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/events/{EVENT}/")
    page.get_by_label("NHS, Schools, Care and Public Sector").check()
    page.screenshot(path=screenshots / f"event-{width}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"

    make_mistakes(page)
    expect(page.get_by_role("alert")).to_be_focused()
    page.get_by_role("region", name="Book your place").screenshot(path=screenshots / f"form-errors-{width}.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, (
        "the form in its error state scrolls sideways"
    )
