"""What the build gives the booking form: price data equal to pricing.quote(), and a page under 50 KB."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pricing import format_pence, quote
from tests.browser.conftest import EVENT

PAGE_BUDGET_BYTES = 50_000


def _prices(site: Path, slug: str) -> dict:
    page = (site / "events" / slug / "index.html").read_text(encoding="utf-8")
    block = re.search(r'<script type="application/json" id="booking-prices">(.*?)</script>', page, re.S)
    assert block, "no price data on the event page"
    return json.loads(block.group(1))


def test_every_figure_the_script_can_show_is_the_quote_formatted(site, fees):
    data = _prices(site, EVENT)
    entry = fees.events[EVENT]
    assert data["max"] == entry.max_delegates and data["vat"] == "20"
    assert list(data["categories"]) == list(fees.tariff_for(EVENT).categories)
    for category, prices in data["categories"].items():
        for payment in ("card", "invoice"):
            for n in range(1, entry.max_delegates + 1):
                priced = quote(fees, EVENT, category, n, payment)
                shown_lines = [row[0] for row in prices[payment][:n]]
                assert shown_lines == [format_pence(line.net_pence) for line in priced.lines]
                assert prices[payment][n - 1][1:] == [format_pence(p) for p in (priced.net_pence, priced.vat_pence, priced.total_pence)]


def test_closed_and_past_events_carry_no_form_script(site):
    page = (site / "events" / "caldicott-police-2024" / "index.html").read_text(encoding="utf-8")
    assert "booking.js" not in page and "booking-prices" not in page and "<form" not in page


def test_an_open_event_page_with_its_css_and_js_stays_under_50_kb(site):
    assets = sum((site / "theme" / name).stat().st_size for name in ("css/site.css", "js/booking.js"))
    for slug in ("caldicott-police-2027", "records-retention-2027"):
        total = (site / "events" / slug / "index.html").stat().st_size + assets
        assert total < PAGE_BUDGET_BYTES, f"{slug}: {total} bytes of HTML+CSS+JS"
