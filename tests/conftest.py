"""Fixtures shared by every test folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from pricing import FeeTable, load_fee_table

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def fees() -> FeeTable:
    return load_fee_table(ROOT / "content" / "fees.yaml")


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
    """The booking_confirmed log lines the function has written so far in this test."""
    import json
    import logging

    caplog.set_level(logging.INFO, logger="bookings")

    def lines() -> list[dict]:
        found = [json.loads(r.getMessage()) for r in caplog.records if r.name == "bookings"]
        return [line for line in found if line["msg"] == "booking_confirmed"]

    return lines
