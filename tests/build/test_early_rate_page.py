"""The event page while an early-booking rate runs, after it ends, and the rule that no discount code is ever published."""

from __future__ import annotations

from pathlib import Path

from pricing import format_pence, quote
from tests.build.conftest import Build, run_pelican, section, text
from tests.fixture_site import FIXTURE_CONTENT

EARLY_EVENT = "records-retention-2083"
PAGE = f"events/{EARLY_EVENT}/index.html"


def _fee(q) -> str:
    return f"{format_pence(q.net_pence)} + VAT ({format_pence(q.total_pence)} inc. VAT at 20%)"


def test_the_fee_table_shows_the_early_rate_and_its_end_beside_the_standard_price(site: Build, fees) -> None:
    entry = fees.events[EARLY_EVENT]
    fees_text = text(section(site.page(PAGE), "fees"))
    assert "Early-booking rate: 10% off every fee for bookings made by 31 March 2083 at 23:59 (UK time)" in fees_text
    for category in fees.tariff_for(EARLY_EVENT).categories:
        for payment in ("invoice", "card"):
            early = quote(fees, EARLY_EVENT, category, 1, payment, at=entry.early_booking.until)
            standard = quote(fees, EARLY_EVENT, category, 1, payment, at=entry.booking_closes)
            assert (
                f"Early booking, until 31 March 2083 at 23:59: {_fee(early)} Standard rate: {_fee(standard)}"
                in fees_text
            )


def test_the_worked_example_uses_the_early_rate(site: Build, fees) -> None:
    until = fees.events[EARLY_EVENT].early_booking.until
    example = quote(fees, EARLY_EVENT, "public-sector", 3, "card", at=until)
    discounts = text(section(site.page(PAGE), "discounts"))
    assert "booked by 31 March 2083 at 23:59 (early-booking rate)" in discounts
    assert f"at the early-booking rate pay {format_pence(example.total_pence)} including VAT" in discounts


def test_the_no_javascript_price_table_gives_both_rates(site: Build, fees) -> None:
    entry = fees.events[EARLY_EVENT]
    page = text(site.page(PAGE))
    early = [quote(fees, EARLY_EVENT, "voluntary", 2, p, at=entry.early_booking.until) for p in ("card", "invoice")]
    standard = [quote(fees, EARLY_EVENT, "voluntary", 2, p, at=entry.booking_closes) for p in ("card", "invoice")]
    row = " ".join(format_pence(q.total_pence) for q in (*early, *standard))
    assert f"2 {row}" in page


def test_a_page_built_after_the_early_rate_shows_only_the_standard_rate(tmp_path: Path, fees) -> None:
    later = run_pelican(FIXTURE_CONTENT, tmp_path / "out", now="2083-04-01T00:00:00+01:00")
    assert later.returncode == 0, later.output
    page = later.page(PAGE)
    assert "early-booking" not in page.lower() and "Early booking" not in page
    standard = quote(fees, EARLY_EVENT, "public-sector", 1, "invoice", at=fees.events[EARLY_EVENT].booking_closes)
    assert _fee(standard) in text(section(page, "fees"))


def test_no_discount_code_is_published_anywhere_in_the_site(site: Build, fees) -> None:
    assert fees.codes, "the shipped fee table should carry example codes for this test to mean anything"
    codes = [code.casefold() for code in fees.codes]
    for path in site.out.rglob("*"):
        if path.is_file():
            body = path.read_bytes().decode("utf-8", errors="replace").casefold()
            found = [code for code in codes if code in body]
            assert not found, f"{path.relative_to(site.out)} publishes {found}"
