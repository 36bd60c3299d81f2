"""Booking references: short, readable, and the same for the same booking."""

from __future__ import annotations

import re

from booking.reference import REF_PATTERN, booking_ref, idempotency_key
from booking.request import BookingRequest
from tests.functions.conftest import booking


def _ref(data) -> str:
    return booking_ref(BookingRequest.model_validate(data))


def test_reference_looks_like_cp_and_six_unambiguous_characters():
    assert re.match(REF_PATTERN, _ref(booking(2)))


def test_same_booking_same_reference_even_with_different_case_and_spacing():
    a = booking(2)
    b = booking(2)
    b["delegates"][0]["email"] = b["delegates"][0]["email"].upper()
    b["contact"]["name"] = "  " + b["contact"]["name"].upper() + " "
    assert _ref(a) == _ref(b)


def test_different_bookings_get_different_references():
    refs = {_ref(booking(n)) for n in range(1, 21)} | {
        _ref(booking(1, category=c)) for c in ("voluntary", "commercial")
    }
    assert len(refs) == 22


def test_the_idempotency_key_is_exactly_the_parameters_sent():
    params = {"customer_email": "sam@example.org", "metadata": {"name": "sam lee"}, "line_items": [{"quantity": 2}]}
    reordered = {"line_items": [{"quantity": 2}], "metadata": {"name": "sam lee"}, "customer_email": "sam@example.org"}
    case_fixed = {**params, "metadata": {"name": "Sam Lee"}}
    assert idempotency_key("checkout", params) == idempotency_key("checkout", reordered)
    assert idempotency_key("checkout", params) != idempotency_key("checkout", case_fixed)
    assert idempotency_key("checkout", params) != idempotency_key("invoice-draft", params)
    assert len(idempotency_key("checkout", params)) <= 255
