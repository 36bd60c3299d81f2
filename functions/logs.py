"""One log scheme: every logger is named `booking.<room>` (booking.functions.webhook, booking.flows.payments, ...)
and in Lambda every line leaves as one JSON object through Powertools for AWS Lambda's Logger, with the booking
reference as a key when a line is about one booking (the correlation id CloudWatch Logs Insights filters on).

Modules log with the standard library (`logging.getLogger("booking.<room>")`, %-style, `extra={"booking_ref":
ref}`); `setup()` puts Powertools' JSON handler on the `booking` logger they all propagate to. Outside Lambda
(tests, the dev server) the standard handlers stay (pytest's caplog sees every record). Lines carry references,
states, Stripe ids and counts: never a name, an e-mail address or an access need.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from aws_lambda_powertools.logging import Logger

SERVICE = "booking"
REF_KEY = "booking_ref"
_current: list[Logger] = []  # the one Powertools Logger, once set up


def in_lambda(environ: Mapping[str, str]) -> bool:
    """Lambda's runtime sets AWS_LAMBDA_FUNCTION_NAME; its root handler would print each line a second time."""
    return bool(environ.get("AWS_LAMBDA_FUNCTION_NAME"))


def setup(stream: IO[str] | None = None) -> Logger:
    """The Powertools Logger behind every `booking.*` logger, made once per Lambda (cold start)."""
    if _current:
        return _current[0]
    from aws_lambda_powertools.logging import Logger

    logger = Logger(service=SERVICE, level=logging.INFO, utc=True, stream=stream)
    logger.logger_handler.addFilter(_name_the_logger)
    # Powertools owns the `booking` logger's handler; records reach it from the modules' child loggers.
    logging.getLogger(SERVICE).propagate = False
    _current.append(logger)
    return logger


def reset() -> None:
    """Back to the standard handlers (tests that looked at the JSON lines)."""
    booking = logging.getLogger(SERVICE)
    for logger in _current:
        booking.removeHandler(logger.logger_handler)
    # What Powertools marks a logger it configured with, so a later setup() configures it afresh.
    for mark in ("init", "powertools_handler", "powertools_buffer_config", "powertools_buffer_cache"):
        booking.__dict__.pop(mark, None)
    booking.propagate = True
    _current.clear()


def _name_the_logger(record: logging.LogRecord) -> bool:
    record.logger = record.name  # the room the line comes from, as its own key
    return True


def begin() -> None:
    """A new invocation: no key of the previous one is carried over (a warm Lambda keeps the Logger)."""
    for logger in _current:
        logger.remove_keys([REF_KEY])


def correlate(ref: str) -> None:
    """Every further line of this invocation carries `booking_ref`."""
    for logger in _current:
        logger.append_keys(**{REF_KEY: ref})
