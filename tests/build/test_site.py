"""The built site as a visitor, a search engine and a calendar app see it."""

from __future__ import annotations

import itertools
import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from pricing import format_pence, load_fee_table, quote
from tests.build.conftest import ROOT, Build, run_pelican, section, text
from tests.fixture_site import FIXTURE_CONTENT

UK = ZoneInfo("Europe/London")
EVENT = "events/caldicott-police-2083/index.html"
PAGES = [
    "index.html",
    "events/archive/index.html",
    EVENT,
    "events/caldicott-police-2080/index.html",
    "events/records-retention-2083/index.html",
    "about/index.html",
    "terms/index.html",
    "privacy/index.html",
    "accessibility/index.html",
    "booking-confirmed/index.html",
    "booking-cancelled/index.html",
    "404.html",
]


def json_ld(page: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert match, "no JSON-LD"
    return json.loads(match.group(1))


@pytest.mark.parametrize(
    "path",
    [
        *PAGES,
        "theme/css/site.css",
        "sitemap.xml",
        "feeds/events.atom.xml",
        "events/caldicott-police-2083/caldicott-police-2083.ics",
    ],
)
def test_every_agreed_url_is_built(site: Build, path: str) -> None:
    assert (site.out / path).is_file()


# Smoke tests of the organiser's own content/ (everything else builds the test site): it builds, every event
# in it has its page, calendar file and a place on the home page or in the archive, and the pages exist.
def test_the_shipped_content_builds_every_event_and_page(shipped_site: Build) -> None:
    slugs = sorted(path.stem for path in (ROOT / "content" / "events").glob("*.md"))
    assert slugs
    listed = _titles(shipped_site.page("index.html")) + _titles(shipped_site.page("events/archive/index.html"))
    assert sorted(listed) == slugs
    for slug in slugs:
        assert (shipped_site.out / "events" / slug / "index.html").is_file()
        assert (shipped_site.out / "events" / slug / f"{slug}.ics").is_file()
    for page in PAGES:
        if not page.startswith("events/"):
            assert (shipped_site.out / page).is_file(), page


def test_the_shipped_events_show_prices_from_the_shipped_fee_table(shipped_site: Build) -> None:
    shipped = load_fee_table(ROOT / "content" / "fees.yaml")
    for slug in (ROOT / "content" / "events").glob("*.md"):
        page = shipped_site.page(f"events/{slug.stem}/index.html")
        one = quote(shipped, slug.stem, "public-sector", 1, "invoice", at=shipped.events[slug.stem].booking_closes)
        assert format_pence(one.net_pence) in text(section(page, "fees")), slug.stem


@pytest.mark.parametrize(
    ("category", "seed_line"),
    [
        ("public-sector", "£295.00 + VAT (£354.00 inc. VAT at 20%)"),
        ("voluntary", "£250.00 + VAT (£300.00 inc. VAT at 20%)"),
        ("commercial", "£495.00 + VAT (£594.00 inc. VAT at 20%)"),
    ],
)
def test_fee_table_shows_net_and_vat_inclusive_prices_from_pricing(
    site: Build, fees, category: str, seed_line: str
) -> None:
    row = re.search(rf'<tr id="fee-{category}">(.*?)</tr>', site.page(EVENT), re.S)
    assert row, f"no fee row for {category}"
    shown = text(row.group(1))
    assert seed_line in shown
    for payment in ("invoice", "card"):
        one = quote(fees, "caldicott-police-2083", category, 1, payment)
        assert f"{format_pence(one.net_pence)} + VAT ({format_pence(one.total_pence)} inc. VAT at 20%)" in shown


def test_worked_discount_example_is_a_real_quote(site: Build, fees) -> None:
    shown = text(section(site.page(EVENT), "discounts"))
    example = quote(fees, "caldicott-police-2083", "public-sector", 3, "card")
    assert "15% off the fee for every delegate after the first" in shown
    assert "10% off every fee" in shown
    for line in example.lines:
        assert (
            f"{line.delegate} {format_pence(line.list_pence)} −{format_pence(line.discount_pence)} "
            f"{format_pence(line.net_pence)} {format_pence(line.vat_pence)} {format_pence(line.gross_pence)}" in shown
        )
    assert f"pay {format_pence(example.total_pence)} including VAT ({format_pence(example.net_pence)} + VAT)" in shown


def test_json_ld_describes_an_online_event_with_an_offer_per_category(site: Build, fees) -> None:
    data = json_ld(site.page(EVENT))
    assert data["@type"] == "Event"
    assert data["startDate"] == "2083-09-14T09:30:00+01:00"
    assert data["endDate"] == "2083-09-14T16:00:00+01:00"
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["location"]["@type"] == "VirtualLocation"
    assert data["organizer"]["name"] == "Health IG Conferences"
    offers = {offer["category"]: offer for offer in data["offers"]}
    assert {c: o["price"] for c, o in offers.items()} == {
        "public-sector": "354.00",
        "voluntary": "300.00",
        "commercial": "594.00",
    }
    for offer in offers.values():
        assert offer["priceCurrency"] == "GBP"
        assert offer["availability"] == "https://schema.org/InStock"
        assert datetime.fromisoformat(offer["validThrough"]) == datetime(2083, 9, 13, 17, tzinfo=UK)


def test_past_event_offers_are_no_longer_available(site: Build) -> None:
    data = json_ld(site.page("events/caldicott-police-2080/index.html"))
    assert {offer["availability"] for offer in data["offers"]} == {"https://schema.org/Discontinued"}


def test_calendar_file_has_the_day_and_uk_times(site: Build) -> None:
    calendar = icalendar.Calendar.from_ical(
        (site.out / "events/caldicott-police-2083/caldicott-police-2083.ics").read_bytes()
    )
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2083, 9, 14, 9, 30, tzinfo=UK)
    assert event.decoded("dtend") == datetime(2083, 9, 14, 16, 0, tzinfo=UK)
    assert str(event["summary"]).startswith("Information Sharing & The Police")
    assert calendar.walk("VTIMEZONE"), "the Europe/London definition travels with the file"
    assert 'href="/events/caldicott-police-2083/caldicott-police-2083.ics"' in site.page(EVENT)


def _titles(page: str) -> list[str]:
    return re.findall(r'class="event-card__title"><a href="/events/([a-z0-9-]+)/"', page)


def test_home_lists_upcoming_events_and_the_archive_the_past(site: Build) -> None:
    assert _titles(site.page("index.html")) == ["records-retention-2083", "caldicott-police-2083"]
    assert _titles(site.page("events/archive/index.html")) == ["caldicott-police-2080"]


def test_upcoming_and_past_follow_site_now(tmp_path: Path) -> None:
    later = run_pelican(FIXTURE_CONTENT, tmp_path / "out", now="2083-06-01T12:00:00+01:00")
    assert later.returncode == 0, later.output
    assert _titles(later.page("index.html")) == ["caldicott-police-2083"]
    assert _titles(later.page("events/archive/index.html")) == ["records-retention-2083", "caldicott-police-2080"]


def _booking_text(build: Build, slug: str) -> str:
    return text(section(build.page(f"events/{slug}/index.html"), "book-heading"))


def test_booking_section_says_open_and_until_when(site: Build) -> None:
    shown = _booking_text(site, "caldicott-police-2083")
    assert shown.startswith("Book your place Booking is open until 17:00 on Monday 13 September 2083 (UK time).")
    assert 'id="book"' in site.page(EVENT)


def test_booking_section_of_a_past_event_says_it_took_place(site: Build) -> None:
    assert "This conference took place on Tuesday 10 September 2080, so booking is closed." in _booking_text(
        site, "caldicott-police-2080"
    )


def test_booking_closes_at_the_fee_table_deadline(tmp_path: Path) -> None:
    build = run_pelican(FIXTURE_CONTENT, tmp_path / "out", now="2083-09-13T17:00:00+01:00")
    assert build.returncode == 0, build.output
    assert "Booking closed at 17:00 on Monday 13 September 2083 (UK time)." in _booking_text(
        build, "caldicott-police-2083"
    )
    assert "caldicott-police-2083" in _titles(build.page("index.html")), "still upcoming until the day ends"


def test_sold_out_event_says_fully_booked(content: Path, tmp_path: Path) -> None:
    fees = content / "fees.yaml"
    fees.write_text(
        fees.read_text().replace("  caldicott-police-2083:\n", "  caldicott-police-2083:\n    sold_out: true\n")
    )
    build = run_pelican(content, tmp_path / "out")
    assert build.returncode == 0, build.output
    assert "This conference is fully booked." in _booking_text(build, "caldicott-police-2083")
    assert {o["availability"] for o in json_ld(build.page(EVENT))["offers"]} == {"https://schema.org/SoldOut"}


def test_event_page_sections_come_in_the_agreed_order(site: Build) -> None:
    headings = [text(h) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", site.page(EVENT), re.S)]
    assert headings == [
        "Event details",
        "Overview",
        "What the national bodies say",
        "This conference will enable you to",
        "Programme",
        "Exhibition and sponsorship",
        "Fee options",
        "Discounts",
        "Book your place",
        "Also of interest",
        "Supporting organisations",
    ]


def test_also_of_interest_links_other_events(site: Build) -> None:
    assert 'href="/events/records-retention-2083/"' in section(site.page(EVENT), "also-of-interest")


@pytest.mark.parametrize("path", PAGES)
def test_page_structure_is_accessible_and_self_contained(site: Build, path: str) -> None:
    page = site.page(path)
    assert '<html lang="en-GB">' in page
    assert page.count("<h1") == 1
    levels = [int(n) for n in re.findall(r"<h([1-6])", page)]
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), f"heading levels skip: {levels}"
    assert '<a class="skip-link" href="#main">' in page and '<main id="main"' in page
    assert "<nav" in page and "<footer" in page
    assert " style=" not in page and "<style" not in page
    scripts = re.findall(r"<script[^>]*>", page)
    allowed = re.compile(
        r'<script type="application/(?:ld\+)?json"[^>]*>|<script type="module" src="/assets/js/booking\.[0-9a-f]{10}\.js">'
    )
    assert all(allowed.fullmatch(tag) for tag in scripts), (
        f"only data blocks and the booking form's own deferred script: {scripts}"
    )
    assert not re.search(r'<(?:link|script|img|iframe)[^>]+(?:src|href)="(?:https?:)?//', page), (
        "no third-party requests"
    )


@pytest.mark.parametrize("path", PAGES)
def test_every_page_links_the_accessibility_statement_from_its_footer(site: Build, path: str) -> None:
    footer = site.page(path).split("<footer", 1)[1]
    assert '<a href="/accessibility/">Accessibility</a>' in footer


def test_the_accessibility_statement_says_what_it_meets_and_how_to_ask(site: Build) -> None:
    text = re.sub(r"<[^>]+>", " ", site.page("accessibility/index.html"))
    for needed in ("WCAG", "2.2", "AA", "axe-core", "another format", "Reporting a problem", "Enforcement procedure"):
        assert needed in text, needed


def test_every_delegate_fieldset_asks_about_access_needs(site: Build) -> None:
    page = site.page(EVENT)
    for i in range(3):
        assert f'name="delegates[{i}][access_needs]"' in page
        label = "Anything we should arrange so you can take part? For example captions or a BSL interpreter (optional)"
        assert f'<label for="delegate-{i}-access-needs">{label}</label>' in page


def test_event_page_and_css_are_small(site: Build) -> None:
    size = (site.out / EVENT).stat().st_size + (site.out / "theme/css/site.css").stat().st_size
    assert size < 50_000


def test_sitemap_lists_events_and_feed_is_atom(site: Build) -> None:
    sitemap = site.page("sitemap.xml")
    assert "events/caldicott-police-2083/" in sitemap and "404.html" not in sitemap
    feed = ET.fromstring(site.page("feeds/events.atom.xml"))
    entries = feed.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 3


def test_publishconf_builds_absolute_links_from_site_url(tmp_path: Path) -> None:
    build = run_pelican(
        FIXTURE_CONTENT, tmp_path / "out", settings="publishconf.py", site_url="https://events.example.org"
    )
    assert build.returncode == 0, build.output
    page = build.page(EVENT)
    assert re.search(r'href="https://events\.example\.org/assets/css/site\.[0-9a-f]{10}\.css"', page)  # fingerprinted
    assert json_ld(page)["url"] == "https://events.example.org/events/caldicott-police-2083/"


def test_json_ld_cannot_close_its_script_element(content: Path, tmp_path: Path) -> None:
    event = content / "events/caldicott-police-2083.md"
    hostile = 'Title: Sharing </script><script>alert("x")</script><!-- & more'
    event.write_text(re.sub(r"^Title: .*$", hostile, event.read_text(), count=1, flags=re.M))
    build = run_pelican(content, tmp_path / "out")
    assert build.returncode == 0, build.output
    page = build.page(EVENT)
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    assert "<" not in ld and ">" not in ld
    assert json_ld(page)["name"] == 'Sharing </script><script>alert("x")</script><!-- & more'
    assert "<h1>Sharing &lt;/script&gt;&lt;script&gt;" in page


def test_the_organisers_details_come_from_content_organiser_yaml(site) -> None:
    """Name, contacts, address and VAT number: one file the CMS edits, read by every page and the e-mails."""
    from pricing.organiser import load_organiser

    organiser = load_organiser(FIXTURE_CONTENT / "organiser.yaml")
    home = site.page("index.html")
    assert f"<title>{organiser.name}</title>" in home
    assert f'href="mailto:{organiser.bookings.email}"' in home
    terms = site.page("terms/index.html")
    assert ", ".join(organiser.address_lines) in terms and f"VAT number {organiser.vat_number}" in terms
    event = site.page("events/caldicott-police-2083/index.html")
    assert f"contact {organiser.sponsorship.name} at" in event
