"""What the build gives the booking form: price data equal to pricing.quote(), and a page under 50 KB."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from pelican.plugins.event_site.assets import first_screen_css, stylesheet_parts
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
    """The page (its first-screen CSS inline) and the CSS and JS files it loads."""
    for slug in ("caldicott-police-2083", "records-retention-2083"):
        page = site / "events" / slug / "index.html"
        loaded = re.findall(r'(?:href|src)="/(assets/[^"]+\.(?:css|js))"', page.read_text(encoding="utf-8"))
        assert len(loaded) == 2, loaded
        total = page.stat().st_size + sum((site / name).stat().st_size for name in loaded)
        assert total < PAGE_BUDGET_BYTES, f"{slug}: {total} bytes of HTML+CSS+JS"


def test_theme_files_are_linked_by_fingerprint_so_a_year_long_cache_cannot_serve_an_old_one(site):
    page = (site / "events" / EVENT / "index.html").read_text(encoding="utf-8")
    linked = re.search(r'src="/assets/(js/booking\.[0-9a-f]{10}\.js)"', page)
    assert linked, "js/booking.js is not linked by a fingerprinted name"
    assert (site / "assets" / linked.group(1)).read_bytes() == (site / "theme" / "js/booking.js").read_bytes()
    source = (ROOT / "theme" / "static" / "js/booking.js").read_bytes()
    assert hashlib.sha256(source).hexdigest()[:10] in linked.group(1)
    # The stylesheet: its first-screen part inline, the rest linked under the hash of its own text.
    linked = re.search(r'href="/assets/(css/site-rest\.[0-9a-f]{10}\.css)"', page)
    assert linked, "the rest of css/site.css is not linked by a fingerprinted name"
    rest = (site / "assets" / linked.group(1)).read_bytes()
    assert hashlib.sha256(rest).hexdigest()[:10] in linked.group(1)
    assert rest.decode() == stylesheet_parts(ROOT / "theme" / "static")[1]
    assert f"<style>{first_screen_css(ROOT / 'theme' / 'static')}</style>" in page
