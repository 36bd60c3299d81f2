"""Mistakes in the form reach a screen reader: a focused summary that links to messages tied to the fields."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import EVENT
from tests.browser.journeys import assert_field_error, delegate, fill_delegate, fill_person, make_mistakes

pytestmark = pytest.mark.browser

EMAIL_MESSAGE = "Enter your e-mail address, like name@nhs.net"
NAME_MESSAGE = "Enter your full name"
TERMS_MESSAGE = "Tick the box to accept the booking terms and conditions"


def test_with_javascript_the_summary_takes_focus_and_links_to_each_field(page):
    make_mistakes(page)
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    assert summary.get_by_role("link").all_inner_texts() == [NAME_MESSAGE, EMAIL_MESSAGE, TERMS_MESSAGE]
    details = page.get_by_role("group", name="Your details")
    assert_field_error(details.get_by_label("Full name"), NAME_MESSAGE)
    assert_field_error(details.get_by_label("E-mail address"), EMAIL_MESSAGE)
    assert_field_error(page.get_by_label("I accept the booking terms and conditions"), TERMS_MESSAGE)
    expect(details.get_by_label("Organisation", exact=True)).not_to_have_attribute("aria-invalid", "true")

    summary.get_by_role("link", name=EMAIL_MESSAGE).click()
    expect(details.get_by_label("E-mail address")).to_be_focused()

    details.get_by_label("Full name").fill("Priya Shah")
    details.get_by_label("E-mail address").fill("priya.shah@nhs.net")
    page.get_by_role("button", name="Book now").click()
    expect(page.get_by_role("alert").get_by_role("link")).to_have_text([TERMS_MESSAGE])
    expect(details.get_by_label("E-mail address")).not_to_have_attribute("aria-invalid", "true")


def test_with_javascript_the_functions_own_errors_land_by_the_fields(page, person):
    """An address the page's quick check lets through but the function refuses (a reserved domain)."""
    page.goto(f"/events/{EVENT}/")
    page.get_by_label("Voluntary sector & charities").check()
    fill_person(page.get_by_role("group", name="Your details"), person)
    page.get_by_role("button", name="Add another delegate").click()
    fill_delegate(delegate(page, 1), 1, person)
    fill_delegate(delegate(page, 2), 2, person)
    delegate(page, 2).get_by_label("E-mail address").fill("someone@example.test")
    page.get_by_label("I accept the booking terms and conditions").check()
    page.get_by_role("button", name="Book now").click()
    message = "Enter delegate 2's e-mail address, like name@nhs.net"
    expect(page.get_by_role("alert")).to_be_focused()
    expect(page.get_by_role("alert").get_by_role("link")).to_have_text([message])
    assert_field_error(delegate(page, 2).get_by_label("E-mail address"), message)
    expect(page.get_by_role("button", name="Book now")).to_be_enabled()


@pytest.mark.parametrize("failure", ["network", "503"])
def test_when_booking_cannot_be_sent_the_page_apologises_and_gives_a_contact(page, person, failure):
    if failure == "network":
        page.route("**/api/bookings", lambda route: route.abort())
    else:
        body = {
            "errors": [
                {"field": "payment", "message": "Card payments are not available just now. Nothing has been charged."}
            ]
        }
        page.route(
            "**/api/bookings",
            lambda route: route.fulfill(status=503, content_type="application/json", body=json.dumps(body)),
        )
    page.goto(f"/events/{EVENT}/")
    page.get_by_label("Commercial organisations").check()
    fill_person(page.get_by_role("group", name="Your details"), person)
    fill_delegate(delegate(page, 1), 1, person)
    page.get_by_label("I accept the booking terms and conditions").check()
    page.get_by_role("button", name="Book now").click()
    alert = page.get_by_role("alert")
    expect(alert).to_be_focused()
    expect(alert.get_by_role("heading")).to_have_text("Sorry, we could not send your booking")
    expect(alert).to_contain_text("Nothing has been charged." if failure == "503" else "nothing has been charged.")
    expect(alert.get_by_role("link", name="bookings@example.org")).to_have_attribute(
        "href", "mailto:bookings@example.org"
    )
    expect(page.get_by_role("button", name="Book now")).to_be_enabled()


def test_without_javascript_the_function_answers_with_a_page_listing_what_to_fix(page_without_js):
    page = page_without_js
    make_mistakes(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("There is a problem with your booking")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(f"Your full name: {NAME_MESSAGE}")
    expect(alert).to_contain_text(f"Your e-mail address: {EMAIL_MESSAGE}")
    expect(alert).to_contain_text(f"Terms and conditions: {TERMS_MESSAGE}")
    page.get_by_role("link", name="Go back to the booking form").click()
    expect(page.get_by_role("heading", name="Book your place")).to_be_visible()
