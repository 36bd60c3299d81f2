"""Fixtures shared by every test folder."""

from __future__ import annotations

import logging
from pathlib import Path

import pelican.log  # noqa: F401  (imported first on purpose: see below)
import pytest

from pricing import FeeTable, load_fee_table
from tests.dynamodb import (
    booking_store,
    bookings_table,
    dynamodb_client,
    dynamodb_engine,
    store_environ,
    table_template,
)
from tests.smtp import smtp

__all__ = [
    "booking_store",
    "bookings_table",
    "dynamodb_client",
    "dynamodb_engine",
    "smtp",
    "store_environ",
    "table_template",
]

# Importing Pelican (as the plugin's tests do) makes every logger created afterwards a
# pelican.log.FatalLogger, whose LimitFilter drops a warning it has seen before: the function's
# loggers, created later in the same process, would then hide a repeated log line from a later
# test (the same booking logs the same `confirmation_not_sent`). Pelican is imported here, first,
# and Python's own logger classes put back; the function itself never runs beside Pelican.
logging.setLoggerClass(logging.Logger)
logging.getLogger().__class__ = logging.RootLogger

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def fees() -> FeeTable:
    """The test site's fee table (tests/fixtures/site/), not the shipped one."""
    from tests.fixture_site import FIXTURE_FEES

    return load_fee_table(FIXTURE_FEES)


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole run: Playwright's sync API allows one running instance per process."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from tests.chromium import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def confirmed(caplog):
    """The log lines of bookings confirmed so far in this test (flows.advance writes one per change of state)."""
    import logging

    caplog.set_level(logging.INFO, logger="booking.flows.advance")

    def lines() -> list[str]:
        found = [r.getMessage() for r in caplog.records if r.name == "booking.flows.advance"]
        return [line for line in found if line.endswith("-> confirmed")]

    return lines
