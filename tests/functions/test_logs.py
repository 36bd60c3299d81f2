"""In Lambda every log line is one JSON object (Powertools' Logger) naming its room and, when it is about one
booking, the booking's reference; nothing personal."""

from __future__ import annotations

import io
import json
import logging

import pytest

from functions import logs


@pytest.fixture
def lines():
    stream = io.StringIO()
    logs.setup(stream)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logs.reset()


def test_each_line_is_one_json_object_with_its_logger_and_the_reference_it_is_about(lines):
    logs.begin()
    logging.getLogger("booking.flows.payments").info("moved %s to %s", "CP-ABCDEF", "confirmed")
    logs.correlate("CP-ABCDEF")
    logging.getLogger("booking.functions.webhook").warning("second line")
    logs.begin()  # the next invocation of a warm Lambda
    logging.getLogger("booking.functions.webhook").info("third line")
    first, second, third = lines()
    assert first["message"] == "moved CP-ABCDEF to confirmed" and first["logger"] == "booking.flows.payments"
    assert first["service"] == "booking" and "booking_ref" not in first
    assert second["booking_ref"] == "CP-ABCDEF" and second["level"] == "WARNING"
    assert "booking_ref" not in third


def test_a_reference_given_with_the_line_is_its_key(lines):
    logging.getLogger("booking.flows.payments").info("sent", extra={"booking_ref": "CP-ZZZZZ2"})
    (line,) = lines()
    assert line["booking_ref"] == "CP-ZZZZZ2"


def test_outside_lambda_the_standard_handlers_stay(caplog):
    assert not logs.in_lambda({})
    assert logs.in_lambda({"AWS_LAMBDA_FUNCTION_NAME": "event-booking-booking"})
    with caplog.at_level(logging.INFO, logger="booking"):
        logging.getLogger("booking.flows.payments").info("seen by pytest")
    assert [r.getMessage() for r in caplog.records] == ["seen by pytest"]
