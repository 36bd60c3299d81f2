"""Every organiser mistake stops the build with `file: field: message`, no traceback, no page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.build.conftest import run_pelican
from tests.fixture_site import FIXTURE_CONTENT

FEES = "fees.yaml"
POLICE = "events/caldicott-police-2083.md"
RECORDS = "events/records-retention-2083.md"
ORGANISER = "organiser.yaml"


def edit(relative: str, old: str, new: str) -> Callable[[Path], None]:
    def apply(content: Path) -> None:
        path = content / relative
        before = path.read_text(encoding="utf-8")
        assert old in before, f"test setup: {old!r} not in {relative}"
        path.write_text(before.replace(old, new, 1), encoding="utf-8")

    return apply


def remove(relative: str) -> Callable[[Path], None]:
    return lambda content: (content / relative).unlink()


def add_event(slug: str) -> Callable[[Path], None]:
    def apply(content: Path) -> None:
        (content / "events" / f"{slug}.md").write_text(
            "Title: A new event\nDate: 2083-10-01\nStarts: 10:00\nEnds: 12:00\nFormat: virtual\n\nAbout it.\n",
            encoding="utf-8",
        )

    return apply


# (mistake, how it is made, file named, field named, words of the message, the event whose page must not exist)
MISTAKES = [
    (
        "price written as a number",
        edit(FEES, 'net: "295.00"', "net: 295.5"),
        FEES,
        "tariffs.virtual.categories.public-sector.net",
        "in quotes",
        "caldicott-police-2083",
    ),
    (
        "negative price",
        edit(FEES, 'net: "250.00"', 'net: "-250.00"'),
        FEES,
        "tariffs.virtual.categories.voluntary.net",
        "not negative",
        "caldicott-police-2083",
    ),
    (
        "three decimal places",
        edit(FEES, 'net: "495.00"', 'net: "495.005"'),
        FEES,
        "tariffs.virtual.categories.commercial.net",
        "at most two decimal places",
        "caldicott-police-2083",
    ),
    (
        "unknown tariff",
        edit(FEES, "  caldicott-police-2083:\n    tariff: virtual", "  caldicott-police-2083:\n    tariff: in-person"),
        FEES,
        "events.caldicott-police-2083.tariff",
        'names tariff "in-person"',
        "caldicott-police-2083",
    ),
    (
        "duplicate event id",
        edit(
            FEES,
            "  records-retention-2083:\n",
            '  caldicott-police-2083:\n    tariff: virtual\n    booking_closes: "2083-09-13 17:00"\n  records-retention-2083:\n',
        ),
        FEES,
        "line",
        '"caldicott-police-2083" is written twice',
        "caldicott-police-2083",
    ),
    (
        "discount over 100%",
        edit(FEES, "additional_delegate_percent: 15", "additional_delegate_percent: 150"),
        FEES,
        "discounts.additional_delegate_percent",
        "more than 100%",
        "caldicott-police-2083",
    ),
    (
        "missing VAT rate",
        edit(FEES, "vat_percent: 20\n", ""),
        FEES,
        "vat_percent",
        "is required but missing",
        "caldicott-police-2083",
    ),
    (
        "booking deadline not a date",
        edit(FEES, 'booking_closes: "2083-09-13 17:00"', 'booking_closes: "the day before"'),
        FEES,
        "events.caldicott-police-2083.booking_closes",
        "must be a date and time",
        "caldicott-police-2083",
    ),
    (
        "event in fees but not in content",
        remove(RECORDS),
        FEES,
        "events.records-retention-2083",
        "has no event page",
        "caldicott-police-2083",
    ),
    (
        "event in content but not in fees",
        add_event("new-event-2083"),
        "events/new-event-2083.md",
        "slug",
        "has no entry under events",
        "new-event-2083",
    ),
    (
        "event without a date",
        edit(POLICE, "Date: 2083-09-14\n", ""),
        POLICE,
        "date",
        "is required but missing",
        "caldicott-police-2083",
    ),
    (
        "date in words",
        edit(POLICE, "Date: 2083-09-14", "Date: 14th September"),
        POLICE,
        "date",
        "like 2027-09-14",
        "caldicott-police-2083",
    ),
    (
        "bad start time",
        edit(POLICE, "Starts: 09:30", "Starts: half nine"),
        POLICE,
        "starts",
        "24-hour UK time",
        "caldicott-police-2083",
    ),
    (
        "ends before it starts",
        edit(POLICE, "Ends: 16:00", "Ends: 08:00"),
        POLICE,
        "ends",
        "later than starts (09:30)",
        "caldicott-police-2083",
    ),
    (
        "unknown format",
        edit(POLICE, "Format: virtual", "Format: webinar"),
        POLICE,
        "format",
        "must be one of virtual, in-person, hybrid",
        "caldicott-police-2083",
    ),
    (
        "in person without a venue",
        edit(POLICE, "Format: virtual", "Format: in-person"),
        POLICE,
        "venue",
        "is required for an event that is in-person",
        "caldicott-police-2083",
    ),
    (
        "missing title",
        edit(
            POLICE,
            "Title: Information Sharing & The Police: Caldicott Principles and Sharing Between Police and Health Services\n",
            "",
        ),
        POLICE,
        "title",
        "is required but missing",
        "caldicott-police-2083",
    ),
    (
        "misspelt header field",
        edit(POLICE, "CPD_hours: 5", "CPD_hour: 5"),
        POLICE,
        "cpd_hour",
        "is not a field an event knows",
        "caldicott-police-2083",
    ),
    (
        "CPD hours in words",
        edit(POLICE, "CPD_hours: 5", "CPD_hours: five"),
        POLICE,
        "cpd_hours",
        "number of hours",
        "caldicott-police-2083",
    ),
    (
        "link to an event that does not exist",
        edit(POLICE, "Also_of_interest: records-retention-2083", "Also_of_interest: records-retention-2084"),
        POLICE,
        "also_of_interest",
        '"records-retention-2084" is not another event',
        "caldicott-police-2083",
    ),
    (
        "organiser's e-mail address mistyped",
        edit(ORGANISER, "email: bookings@example.org", "email: bookings.example.org"),
        ORGANISER,
        "bookings.email",
        "email address",
        "caldicott-police-2083",
    ),
    (
        "organiser's VAT number mistyped",
        edit(ORGANISER, "vat_number: GB123456789", "vat_number: GB12345"),
        ORGANISER,
        "vat_number",
        'must be a UK VAT number like GB123456789, not "GB12345"',
        "caldicott-police-2083",
    ),
    (
        "organiser's sort code a digit short",
        edit(ORGANISER, 'sort_code: "12-34-56"', 'sort_code: "12-34-5"'),
        ORGANISER,
        "bank.sort_code",
        'must be 6 digits, like "12-34-56"',
        "caldicott-police-2083",
    ),
    (
        "organiser's account number too long",
        edit(ORGANISER, 'account_number: "12345678"', 'account_number: "123456789"'),
        ORGANISER,
        "bank.account_number",
        "must be 8 digits",
        "caldicott-police-2083",
    ),
    (
        "PO reminder after the hold ends",
        edit(FEES, "po_reminder_days: [7, 12]", "po_reminder_days: [7, 14]"),
        FEES,
        "po_reminder_days",
        "day 14 is not within the hold",
        "caldicott-police-2083",
    ),
    (
        "organiser's details missing",
        remove(ORGANISER),
        ORGANISER,
        "(file)",
        "cannot be read",
        "caldicott-police-2083",
    ),
]


@pytest.mark.parametrize(
    ("make_mistake", "file", "field", "message", "slug"), [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES]
)
def test_mistake_stops_the_build_and_says_where(
    content: Path, tmp_path: Path, make_mistake, file: str, field: str, message: str, slug: str
) -> None:
    make_mistake(content)
    build = run_pelican(content, tmp_path / "output")
    assert build.returncode != 0
    assert "Traceback" not in build.output
    lines = [line for line in build.output.splitlines() if line.startswith(str(content / file) + f": {field}")]
    assert lines, f"no line naming {file}: {field} in:\n{build.output}"
    assert any(message in line for line in lines), build.output
    assert not (tmp_path / "output" / "events" / slug / "index.html").exists()


def test_every_problem_is_reported_at_once(content: Path, tmp_path: Path) -> None:
    chosen = [
        m for m in MISTAKES if m[0] in ("price written as a number", "ends before it starts", "misspelt header field")
    ]
    for mistake in chosen:
        mistake[1](content)
    build = run_pelican(content, tmp_path / "output")
    assert build.returncode == 1
    assert "The site was not built: fix 3 problems in the content" in build.output
    for _, _, file, field, message, _ in chosen:
        assert any(
            line.startswith(f"{content / file}: {field}: ") and message in line for line in build.output.splitlines()
        )


def test_a_bad_site_now_is_reported_not_raised(tmp_path: Path) -> None:
    build = run_pelican(FIXTURE_CONTENT, tmp_path / "output", now="next tuesday")
    assert build.returncode == 1
    assert (
        'SITE_NOW: SITE_NOW: must be a date and time like 2027-01-31T09:00:00+00:00, not "next tuesday"' in build.output
    )
    assert "Traceback" not in build.output
