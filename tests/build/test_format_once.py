"""A build formats each amount through babel once: `pricing.format_pence` is memoised (babel is ~60 µs a call)."""

from __future__ import annotations

from pathlib import Path

from tests.build.instrumented import instrumented_build
from tests.fixture_site import FIXTURE_CONTENT

COUNT_BABEL_CALLS = """
import collections
import babel.numbers

found = collections.Counter()
real = babel.numbers.format_currency

def counting(number, currency, *args, **kwargs):
    found[repr((str(number), currency, args, sorted(kwargs.items())))] += 1
    return real(number, currency, *args, **kwargs)

babel.numbers.format_currency = counting
"""


def test_a_build_formats_each_amount_through_babel_once(tmp_path: Path) -> None:
    calls = instrumented_build(COUNT_BABEL_CALLS, FIXTURE_CONTENT, tmp_path)
    assert len(calls) > 40, "the booking form's price data should put many distinct amounts through babel"
    repeated = {amount: n for amount, n in calls.items() if n > 1}
    assert not repeated, f"amounts formatted through babel more than once: {repeated}"
