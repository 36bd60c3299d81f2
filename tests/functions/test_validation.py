"""What a delegate is told when a booking cannot be accepted, before any Stripe call."""

from __future__ import annotations

import json

import pytest

from functions.body import parse_form
from functions.bookings import validate
from functions.errors import BookingProblem
from functions.lambda_handler import handle_event
from tests.functions.conftest import FORM_HEADERS, booking, form_body, lambda_event, post_json


def _with(path: str, value, data=None):
    data = data or booking(2)
    node = data
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node[part]
    last = parts[-1]
    if value is KeyError:
        del node[last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return data


INVALID = [
    (
        "bad delegate e-mail",
        "delegates.1.email",
        "not-an-email",
        "delegates.1.email",
        "Enter delegate 2's e-mail address, like name@nhs.net",
    ),
    (
        "missing contact e-mail",
        "contact.email",
        KeyError,
        "contact.email",
        "Enter your e-mail address, like name@nhs.net",
    ),
    ("blank delegate name", "delegates.0.name", "   ", "delegates.0.name", "Enter delegate 1's full name"),
    (
        "huge name",
        "delegates.0.name",
        "x" * 101,
        "delegates.0.name",
        "Delegate 1's name is too long: shorten it to 100 characters or fewer",
    ),
    ("no delegates", "delegates", [], "delegates", "Add at least one delegate"),
    (
        "terms not accepted",
        "accept_terms",
        False,
        "accept_terms",
        "Tick the box to accept the booking terms and conditions",
    ),
    (
        "terms missing",
        "accept_terms",
        KeyError,
        "accept_terms",
        "Tick the box to accept the booking terms and conditions",
    ),
    (
        "honeypot filled",
        "website",
        "http://spam.example",
        "website",
        "Leave this field empty (it is there to catch automated form fillers)",
    ),
    ("payment unknown", "payment", "cash", "payment", "Choose how to pay: by card now, or by invoice"),
    ("number as a name", "contact.name", 42, "contact.name", "Enter this as text"),
    ("contact is a list", "contact", ["x"], "contact", "This must be a group of fields (name, e-mail address, ...)"),
    ("unknown category", "category", "students", "category", None),
    (
        "too many delegates",
        "delegates",
        [booking(1)["delegates"][0]] * 21,
        "delegates",
        "One online booking can hold at most 20 delegates; make a second booking for the others",
    ),
]


@pytest.mark.parametrize(("case", "path", "value", "field", "message"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_booking_is_422_with_a_message_for_the_field(settings, case, path, value, field, message):
    response = post_json(settings, _with(path, value))
    assert response["statusCode"] == 422
    errors = json.loads(response["body"])["errors"]
    by_field = {e["field"]: e["message"] for e in errors}
    assert field in by_field, errors
    if message:
        assert by_field[field] == message


def test_unknown_category_names_the_events_categories(settings):
    errors = json.loads(post_json(settings, booking(category="students"))["body"])["errors"]
    assert "NHS, Schools, Care and Public Sector" in errors[0]["message"]


def test_every_problem_is_listed_at_once(settings):
    data = booking(2)
    data["contact"]["email"] = "nope"
    data["delegates"][1]["email"] = "nope"
    data["accept_terms"] = False
    fields = {e["field"] for e in json.loads(post_json(settings, data)["body"])["errors"]}
    assert fields == {"contact.email", "delegates.1.email", "accept_terms"}


def test_an_invoice_booking_without_billing_details_is_refused_before_stripe(settings):
    response = post_json(settings, booking(payment="invoice"))
    assert response["statusCode"] == 422
    (error,) = json.loads(response["body"])["errors"]
    assert error["field"] == "billing" and "invoice" in error["message"]


def test_unknown_event_is_404(settings):
    response = post_json(settings, booking(event="no-such-event-2027"))
    assert response["statusCode"] == 404
    assert json.loads(response["body"])["errors"][0]["field"] == "event"


def test_broken_json_is_422_on_the_body(settings):
    response = post_json(settings, '{"event": ')
    assert response["statusCode"] == 422
    assert json.loads(response["body"]) == {
        "errors": [{"field": "body", "message": "The booking could not be read: it is not valid JSON."}]
    }


def test_body_over_64_kb_is_413_before_parsing(settings):
    response = post_json(settings, '{"x": "' + "a" * 70_000)  # not even valid JSON: size is checked first
    assert response["statusCode"] == 413


@pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data; boundary=x", "", "application/xml"])
def test_other_content_types_are_415(settings, content_type):
    response = post_json(settings, json.dumps(booking()), {"content-type": content_type, "accept": "application/json"})
    assert response["statusCode"] == 415


def test_form_post_error_is_an_escaped_html_page_linking_back_to_the_form(settings):
    data = booking(1)
    data["delegates"][0]["email"] = "<script>alert(1)</script>"
    data["contact"]["name"] = ""
    response = handle_event(lambda_event("POST", "/api/bookings", form_body(data), FORM_HEADERS), settings)
    assert response["statusCode"] == 422
    assert response["headers"]["Content-Type"].startswith("text/html")
    html = response["body"]
    assert "<script>" not in html
    assert 'href="/events/caldicott-police-2083/#book"' in html
    assert "Delegate 1: e-mail address:" in html and "Your full name:" in html
    assert 'role="alert"' in html and '<html lang="en-GB">' in html


def test_form_blank_delegate_fieldsets_are_ignored():
    data = parse_form(form_body(booking(2), blank_fieldsets=3).encode())
    assert [d["name"] for d in data["delegates"]] == ["Delegate 1", "Delegate 2"]


def test_form_only_blank_fieldsets_means_no_delegates(fees):
    data = parse_form(form_body(booking(1) | {"delegates": []}, blank_fieldsets=4).encode())
    with pytest.raises(BookingProblem) as problem:
        validate(data, fees)
    assert problem.value.errors[0].field == "delegates"


def test_form_field_sent_twice_is_an_error():
    with pytest.raises(BookingProblem) as problem:
        parse_form(b"contact%5Bname%5D=A&contact%5Bname%5D=B")
    assert problem.value.errors[0].field == "contact.name"


def test_form_with_invalid_percent_encoding_is_422(settings):
    response = handle_event(
        lambda_event("POST", "/api/bookings", "event=%ff%fe", {**FORM_HEADERS, "accept": "application/json"}), settings
    )
    assert response["statusCode"] == 422


def test_email_addresses_are_compared_without_case(fees):
    data = booking(1)
    data["delegates"][0]["email"] = "Delegate1@NHS.net"
    assert validate(data, fees).delegates[0].email == "delegate1@nhs.net"
