"""What the build gives the booking form: price data equal to pricing.quote(), and a page under 50 KB."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from pricing import format_pence, quote
from tests.browser.conftest import EVENT, ROOT

PAGE_BUDGET_BYTES = 50_000


def _prices(site: Path, slug: str) -> dict:
    page = (site / "events" / slug / "index.html").read_text(encoding="utf-8")
    block = re.search(r'<script type="application/json" id="booking-prices">(.*?)</script>', page, re.S)
    assert block, "no price data on the event page"
    return json.loads(block.group(1))


def test_every_figure_the_script_can_show_is_the_quote_formatted(site, fees):
    data = _prices(site, EVENT)
    entry = fees.events[EVENT]
    assert data["max"] == entry.max_delegates and data["vat"] == "20" and "early" not in data
    assert list(data["categories"]) == list(fees.tariff_for(EVENT).categories)
    for category, prices in data["categories"].items():
        for payment in ("card", "invoice"):
            _assert_quotes(fees, EVENT, category, payment, prices[payment], at=None)


def test_while_an_early_rate_runs_the_page_holds_it_and_the_standard_prices_wait_in_a_file(site, fees):
    slug = "records-retention-2083"
    data = _prices(site, slug)
    early = fees.events[slug].early_booking
    assert data["early"]["until"] == "31 March 2083 at 23:59" and data["early"]["percent"] == "10"
    assert data["early"]["ends"] == "2083-04-01T00:00:00+01:00"
    standard = json.loads((site / data["early"]["standard"].lstrip("/")).read_text(encoding="utf-8"))
    for category in fees.tariff_for(slug).categories:
        for payment in ("card", "invoice"):
            _assert_quotes(fees, slug, category, payment, data["categories"][category][payment], at=early.until)
            _assert_quotes(fees, slug, category, payment, standard["categories"][category][payment], at=early.ends)


def _assert_quotes(fees, slug, category, payment, rates, at):
    for n in range(1, fees.events[slug].max_delegates + 1):
        priced = quote(fees, slug, category, n, payment, at=at)
        assert [rates["each"][min(i, 1)] for i in range(n)] == [format_pence(line.net_pence) for line in priced.lines]
        assert rates["rows"][n - 1] == [
            format_pence(p) for p in (priced.net_pence, priced.vat_pence, priced.total_pence)
        ]


def test_closed_and_past_events_carry_no_form_script(site):
    page = (site / "events" / "caldicott-police-2080" / "index.html").read_text(encoding="utf-8")
    assert "theme/js/booking" not in page and "booking-prices" not in page and "<form" not in page


def test_an_open_event_page_with_its_css_and_js_stays_under_50_kb(site):
    assets = sum((site / "theme" / name).stat().st_size for name in ("css/site.css", "js/booking.js"))
    for slug in ("caldicott-police-2083", "records-retention-2083"):
        total = (site / "events" / slug / "index.html").stat().st_size + assets
        assert total < PAGE_BUDGET_BYTES, f"{slug}: {total} bytes of HTML+CSS+JS"


def test_theme_files_are_linked_by_fingerprint_so_a_year_long_cache_cannot_serve_an_old_one(site):
    page = (site / "events" / EVENT / "index.html").read_text(encoding="utf-8")
    for plain, pattern in (
        ("css/site.css", r'href="/assets/(css/site\.[0-9a-f]{10}\.css)"'),
        ("js/booking.js", r'src="/assets/(js/booking\.[0-9a-f]{10}\.js)"'),
    ):
        linked = re.search(pattern, page)
        assert linked, f"{plain} is not linked by a fingerprinted name"
        assert (site / "assets" / linked.group(1)).read_bytes() == (site / "theme" / plain).read_bytes()
        source = (ROOT / "theme" / "static" / plain).read_bytes()
        assert hashlib.sha256(source).hexdigest()[:10] in linked.group(1)
