"""Pricing throughput: quote() over the whole fee table × 1–50 delegates × card and invoice.

The real table caps bookings at 20 delegates, so the sweep runs on the same table with every
event's max_delegates set to 50 (the model's upper bound). The same-run floor is the Decimal work a
quote cannot avoid: two calls of pricing's own round_half_up per delegate line (net, then VAT)
on the same Decimal products, with no models, checks or objects around them.
"""

from __future__ import annotations

import re
import time
from decimal import Decimal
from typing import Any

from devtools.bench.common import ROOT, median, progress, reps
from pricing import PAYMENTS, parse_fee_table, quote
from pricing.money import round_half_up

MAX_DELEGATES = 50


def fee_table_50():
    text = (ROOT / "content" / "fees.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^(\s+max_delegates:\s*)\d+\s*$", rf"\g<1>{MAX_DELEGATES}", text)
    return parse_fee_table(text, "content/fees.yaml (max_delegates 50)")


def _sweep(fees) -> tuple[int, int]:
    quotes = lines = 0
    for slug, entry in fees.events.items():
        for category in fees.tariffs[entry.tariff].categories:
            for payment in PAYMENTS:
                for n in range(1, MAX_DELEGATES + 1):
                    lines += len(quote(fees, slug, category, n, payment).lines)
                    quotes += 1
    return quotes, lines


def _floor(fees, lines: int) -> None:
    """`lines` net-and-VAT roundings of the kind quote() performs, cycling through the table's prices."""
    products = []
    for entry in fees.events.values():
        for category in fees.tariffs[entry.tariff].categories.values():
            for factor in (Decimal(1), 1 - fees.discounts.additional_delegate_percent):
                for online in (Decimal(1), 1 - fees.discounts.online_payment_percent):
                    products.append(category.net_pence * factor * online)
    vat = fees.vat_percent
    count = len(products)
    for i in range(lines):
        net = round_half_up(products[i % count])
        round_half_up(net * vat)


def run() -> dict[str, Any]:
    fees = fee_table_50()
    runs, sweeps = reps(5, 2), reps(10, 2)
    quotes, lines = _sweep(fees)  # warm-up, and the counts
    progress(f"pricing: {runs} runs of {sweeps} sweeps ({quotes} quotes, {lines} delegate lines each)")
    rates, floor_rates, ratios = [], [], []
    for _ in range(runs):
        started = time.perf_counter()
        for _ in range(sweeps):
            _sweep(fees)
        quoted = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(sweeps):
            _floor(fees, lines)
        floor = time.perf_counter() - started
        rates.append(quotes * sweeps / quoted)
        floor_rates.append(quotes * sweeps / floor)
        ratios.append(quoted / floor)
    return {
        "events": len(fees.events),
        "quotes_per_sweep": quotes,
        "lines_per_sweep": lines,
        "runs": runs,
        "sweeps_per_run": sweeps,
        "quotes_per_s": median(rates),
        "lines_per_s": median(rates) * lines / quotes,
        "us_per_quote": 1e6 / median(rates),
        "floor_quotes_per_s": median(floor_rates),
        "vs_floor": median(ratios),
        "sweep_ms": 1000 * quotes / median(rates),
    }
