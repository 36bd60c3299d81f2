"""A person books two, then three, delegates from the home page to the confirmation, with and without JavaScript."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from pricing import format_pence, quote
from tests.browser.conftest import EVENT
from tests.browser.journeys import (
    assert_field_error,
    confirmed_ref,
    delegate,
    fill_delegate,
    fill_person,
    open_event_from_home,
    pay_on_checkout,
)

pytestmark = pytest.mark.browser


def _total(fees, category: str, delegates: int, payment: str = "card") -> str:
    return format_pence(quote(fees, EVENT, category, delegates, payment).total_pence)


def test_with_javascript_the_total_follows_the_choices_and_checkout_charges_it(page, devserver, person, fees):
    open_event_from_home(page)
    form = page.get_by_role("region", name="Book your place")
    assert form.get_by_text("Choose a fee category to see the total for your booking.").is_visible()

    form.get_by_label("Voluntary sector & charities").check()
    summary = form.get_by_role("table", name=re.compile(r"^Your booking"))
    assert summary.get_by_role("row", name=f"Total to pay {_total(fees, 'voluntary', 1)}").is_visible()

    form.get_by_role("button", name="Add another delegate").click()
    assert delegate(page, 2).get_by_label("Full name").evaluate("el => el === document.activeElement")
    form.get_by_role("button", name="Add another delegate").click()
    expect(page.get_by_role("status")).to_have_text(
        f"Delegate 3 added. Total to pay {_total(fees, 'voluntary', 3)} including VAT."
    )
    form.get_by_label("NHS, Schools, Care and Public Sector").check()
    three = _total(fees, "public-sector", 3)
    assert summary.get_by_role("row", name=f"Total to pay {three}").is_visible()
    assert summary.get_by_role("row", name=re.compile(r"^Delegate \d, before VAT")).count() == 3
    expected = quote(fees, EVENT, "public-sector", 3, "card")
    assert summary.get_by_role("row", name=f"Total before VAT {format_pence(expected.net_pence)}").is_visible()
    assert summary.get_by_role("row", name=f"VAT at 20% {format_pence(expected.vat_pence)}").is_visible()

    fill_person(page.get_by_role("group", name="Your details"), person)
    delegate(page, 1).get_by_label("Same as the person booking").check()
    assert delegate(page, 1).get_by_label("E-mail address").input_value() == person["email"]
    fill_delegate(delegate(page, 2), 2, person)
    fill_delegate(delegate(page, 3), 3, person)
    assert not page.get_by_role("group", name="If you asked for an invoice").is_visible()
    form.get_by_label("I accept the booking terms and conditions").check()

    # The booking is held at the door until the busy state has been seen (on a fast machine the page would
    # otherwise be on its way to checkout first), then sent on, and its answer read as it passes.
    held: list = []
    page.route("**/api/bookings", lambda route: held.append(route))
    form.get_by_role("button", name="Book now").click()
    expect(form.get_by_role("button", name="Sending…")).to_be_disabled()
    expect(form.get_by_role("form", name="Booking form")).to_have_attribute("aria-busy", "true")
    while not held:
        page.wait_for_timeout(50)
    [route] = held
    response = route.fetch()
    answers = [(response.status, json.loads(response.text()))]
    route.fulfill(response=response)

    pay_on_checkout(page, three)
    [(status, body)] = answers
    assert status == 201 and body["total_pence"] == expected.total_pence, body
    ref = confirmed_ref(page)
    assert ref == body["booking_ref"]
    assert page.get_by_text(f"{three} (including VAT)").is_visible()
    assert devserver.fulfilments(ref) == 1, devserver.log()[-3000:]
    assert '"webhook_handled"' in devserver.log()


def test_removing_a_delegate_moves_focus_and_lowers_the_total(page, fees):
    page.goto(f"/events/{EVENT}/")
    page.get_by_label("Commercial organisations").check()
    add = page.get_by_role("button", name="Add another delegate")
    add.click()
    add.click()
    delegate(page, 2).get_by_label("Full name").fill("Second person")
    page.get_by_role("button", name="Remove delegate 2").click()
    assert page.get_by_role("group", name=re.compile(r"^Delegate \d$")).count() == 2
    assert delegate(page, 2).get_by_label("Full name").input_value() == ""  # the third moved up
    assert delegate(page, 2).get_by_label("Full name").evaluate("el => el === document.activeElement")
    expect(page.get_by_role("status")).to_have_text(
        f"Delegate 2 removed. Total to pay {_total(fees, 'commercial', 2)} including VAT."
    )
    page.get_by_label("Ask for an invoice").check()
    assert page.get_by_role("group", name="If you asked for an invoice").is_visible()
    assert page.get_by_role("row", name=f"Total to pay {_total(fees, 'commercial', 2, 'invoice')}").is_visible()


def test_without_javascript_the_form_posts_and_blank_delegates_are_left_out(page_without_js, devserver, person, fees):
    page = page_without_js
    open_event_from_home(page)
    form = page.get_by_role("region", name="Book your place")
    assert form.get_by_role("button", name="Add another delegate").count() == 0
    table = form.get_by_role("table", name="NHS, Schools, Care and Public Sector")
    two = _total(fees, "public-sector", 2)
    assert table.get_by_role("row", name=f"2 {two} {_total(fees, 'public-sector', 2, 'invoice')}").is_visible()

    form.get_by_label("NHS, Schools, Care and Public Sector").check()
    fill_person(page.get_by_role("group", name="Your details"), person)
    fill_delegate(delegate(page, 1), 1, person)
    fill_delegate(delegate(page, 2, exact=False), 2, person)
    # Delegate 3 stays blank: the function ignores a fieldset left completely empty.
    form.get_by_label("I accept the booking terms and conditions").check()
    form.get_by_role("button", name="Book now").click()

    pay_on_checkout(page, two)
    ref = confirmed_ref(page)
    assert page.get_by_role("listitem").filter(has_text="Delegate 2 of").count() == 1
    assert page.get_by_role("listitem").filter(has_text="Delegate 3").count() == 0
    assert devserver.fulfilments(ref) == 1, devserver.log()[-3000:]


def test_a_past_event_says_why_instead_of_showing_the_form(page):
    page.goto("/events/caldicott-police-2080/")
    section = page.get_by_role("region", name="Book your place")
    assert "This conference took place on Tuesday 10 September 2080, so booking is closed." in section.inner_text()
    assert section.get_by_role("button").count() == 0
    assert section.get_by_role("textbox").count() == 0


def test_with_javascript_an_invoice_booking_asks_who_pays_and_sends_it_under_the_contract_names(page, person, fees):
    page.goto(f"/events/{EVENT}/")
    page.get_by_label("Voluntary sector & charities").check()
    page.get_by_label("Ask for an invoice").check()
    total = _total(fees, "voluntary", 1, "invoice")
    expect(page.get_by_role("row", name=f"Total to pay {total}")).to_be_visible()
    fill_person(page.get_by_role("group", name="Your details"), person)
    fill_delegate(delegate(page, 1), 1, person)
    billing = page.get_by_role("group", name="If you asked for an invoice")
    billing.get_by_label("Name of the person or team who pays invoices").fill("Accounts Payable")
    billing.get_by_label("E-mail address for invoices").fill(f"accounts.{person['email']}")
    page.get_by_label("I accept the booking terms and conditions").check()
    page.get_by_role("button", name="Book now").click()
    message = "Enter the postal address for the invoice"
    expect(page.get_by_role("alert").get_by_role("link")).to_have_text([message])
    assert_field_error(billing.get_by_label("Postal address for the invoice"), message)

    billing.get_by_label("Postal address for the invoice").fill(
        "Accounts Payable\nSt James's University Hospital\nLeeds LS9 7TF"
    )
    billing.get_by_label("Purchase order number (optional)").fill("PO-2027-0042")
    with page.expect_request(re.compile(r"/api/bookings$")) as request:
        page.get_by_role("button", name="Book now").click()
    # Nothing is sent to Stripe yet: the booker confirms from the e-mail first, and the page says so.
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail to confirm your booking")
    expect(page.get_by_role("main")).to_contain_text("Your booking is not finished yet")
    body = json.loads(request.value.post_data or "{}")
    assert body["payment"] == "invoice" and body["category"] == "voluntary" and body["event"] == EVENT
    assert body["billing"] == {
        "name": "Accounts Payable",
        "email": f"accounts.{person['email']}",
        "address": "Accounts Payable\nSt James's University Hospital\nLeeds LS9 7TF",
    }
    assert body["purchase_order"] == "PO-2027-0042" and body["accept_terms"] is True and body["website"] == ""
    assert body["delegates"] == [
        {
            "name": f"Delegate 1 of {person['name']}",
            "email": f"delegate1.{person['email']}",
            "job_title": "Information Governance Lead",
            "organisation": "",
            "access_needs": "",
        }
    ]
