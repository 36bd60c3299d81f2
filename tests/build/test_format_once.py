"""A build formats each amount through babel once: `pricing.format_pence` is memoised (babel is ~60 µs a call)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.build.conftest import NOW, ROOT

# Runs Pelican in a child with babel's formatter wrapped, and writes how often each amount went through it.
COUNTING_BUILD = """
import collections, json, sys
import babel.numbers
import pelican

calls = collections.Counter()
real = babel.numbers.format_currency

def counting(number, currency, *args, **kwargs):
    calls[repr((str(number), currency, args, sorted(kwargs.items())))] += 1
    return real(number, currency, *args, **kwargs)

babel.numbers.format_currency = counting
try:
    pelican.main(sys.argv[2:])
finally:
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        json.dump(calls, out)
"""


def test_a_build_formats_each_amount_through_babel_once(tmp_path: Path) -> None:
    counts = tmp_path / "calls.json"
    argv = ["--settings", "pelicanconf.py", "--output", str(tmp_path / "output"), "--delete-output-directory"]
    result = subprocess.run(
        [sys.executable, "-c", COUNTING_BUILD, str(counts), str(ROOT / "content"), *argv],
        cwd=ROOT,
        env={**os.environ, "SITE_NOW": NOW, "SITE_URL": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    calls = json.loads(counts.read_text(encoding="utf-8"))
    assert len(calls) > 40, "the booking form's price data should put many distinct amounts through babel"
    repeated = {amount: n for amount, n in calls.items() if n > 1}
    assert not repeated, f"amounts formatted through babel more than once: {repeated}"
