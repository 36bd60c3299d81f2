"""Where the test site lives (tests/fixtures/site/): a fee table, the organiser's details and events far in the
future, which tests build, price and book on instead of the shipped content/ (see its README.md)."""

from __future__ import annotations

from pathlib import Path

FIXTURE_CONTENT = Path(__file__).resolve().parent / "fixtures" / "site" / "content"
FIXTURE_FEES = FIXTURE_CONTENT / "fees.yaml"
FIXTURE_ORGANISER = FIXTURE_CONTENT / "organiser.yaml"
FIXTURE_EVENTS = FIXTURE_CONTENT / "events"

OPEN_EVENT = "caldicott-police-2083"  # booking closes 2083-09-13 17:00
EARLY_RATE_EVENT = "records-retention-2083"  # early rate up to 2083-03-31 23:59, closes 2083-05-19 17:00
PAST_EVENT = "caldicott-police-2080"  # closed 2080-09-09 17:00
