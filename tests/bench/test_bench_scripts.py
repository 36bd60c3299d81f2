"""The benchmark scripts still measure what they claim: generated sites build, results render as tables.

Nothing here times anything; `make bench` does that and BENCHMARKS.md records it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from devtools.bench.build_scaling import record_verdict
from devtools.bench.common import OPEN_EVENT
from devtools.bench.report import render
from devtools.bench.sitegen import SITE_NOW, write_event_site, write_plain_site

ROOT = Path(__file__).resolve().parents[2]


def _pelican(content: Path, settings: Path, output: Path, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pelican", str(content), "-s", str(settings), "-o", str(output), "-q"],
        cwd=cwd,
        env={**os.environ, "SITE_NOW": SITE_NOW},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_generated_event_site_builds_with_our_plugin_and_every_event_is_bookable(tmp_path):
    content = write_event_site(tmp_path / "ours", 4)
    done = _pelican(content, ROOT / "pelicanconf.py", tmp_path / "out", ROOT)
    assert done.returncode == 0, done.stderr
    pages = sorted((tmp_path / "out" / "events").glob("bench-conference-*/index.html"))
    assert len(pages) == 4
    assert all('action="/api/bookings"' in page.read_text() for page in pages)


def test_generated_plain_site_builds_with_stock_pelican_and_no_plugins(tmp_path):
    content, settings = write_plain_site(tmp_path / "plain", 4)
    done = _pelican(content, settings, tmp_path / "out", settings.parent)
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "out").glob("information-sharing-the-police-*.html"))) == 4
    assert not (tmp_path / "out" / "sitemap.xml").exists()  # pelican.plugins.sitemap stayed off


HEADINGS = {
    "build": "1. Build scaling",
    "cold": "2. Function cold start",
    "warm": "3. Warm path",
    "page": "4. The event page",
    "pricing": "5. Pricing",
}


def test_recorded_results_render_a_table_per_section_with_misses_marked():
    recorded = sorted((ROOT / "devtools" / "bench" / "results").glob("*Z.json"))
    assert recorded, "BENCHMARKS.md quotes a committed run in devtools/bench/results/"
    runs = [json.loads(path.read_text()) for path in recorded]
    assert any(set(run["sections"]) == set(HEADINGS) for run in runs), "no committed run covers every section"
    for run in runs:  # a run of some sections (bench.run build cold) renders just those
        text = render(run)
        for section in run["sections"]:
            assert f"### {HEADINGS[section]}" in text
        assert "| figure | target | measured | met? |" in text


def test_a_run_whose_load_passed_the_cores_is_not_called_a_record():
    quiet = [{"load_before": 0.4, "load_after": 1.1}, {"load_before": 1.2, "load_after": 2.0}]
    busy = [*quiet, {"load_before": 1.9, "load_after": 2.3}]
    assert record_verdict(quiet, cores=2) == {"cores": 2, "max_load_1min": 2.0, "record": True}
    assert record_verdict(busy, cores=2)["record"] is False
    assert record_verdict([], cores=2)["record"] is False  # no load taken: nothing to stand on
    pair = {"ours_s": 9.0, "plain_s": 6.0, "ratio": 1.5, "ours_cpu_s": 8.0, "plain_cpu_s": 6.4, "cpu_ratio": 1.25}
    size = {"runs": 1, "ours_s": 9.0, "plain_s": 6.0, "ratio": 1.5, "cpu_ratio": 1.25, "ours_cpu_s": 8.0}
    size |= {"plain_cpu_s": 6.4, "ours_rss_mib": 80.0, "plain_rss_mib": 60.0}
    for pairs, verdict in ((quiet, "Record: yes"), (busy, "**Not a record**")):
        section = {"sizes": {"1000": {**size, "pairs": [{**pair, **load} for load in pairs]}}}
        section |= record_verdict(pairs, cores=2)
        text = render({"machine": {"date_utc": "2026-12-06 05:00 UTC"}, "sections": {"build": section}})
        assert verdict in text
        # CPU time is the headline: its row comes before the wall-clock row.
        assert text.index("**CPU time**") < text.index("wall time, 1,000 events")
        assert "0.4–1.1, 1.2–2.0" in text


def test_the_function_benches_book_the_open_event_with_the_store_and_an_invalid_booking_loads_neither(tmp_path):
    """The cold-start and warm-path benches' setup (stand-in, local DynamoDB engine, the test site's fees) books:
    each valid booking is stored, then one Checkout Session; an invalid one is refused before boto3 or stripe."""
    from devtools.bench.cold_start import answer, booking, function_environ
    from devtools.bench.standin_process import standin_process
    from devtools.bench.store_process import store_process
    from devtools.bench.warm_path import bench_settings, booking_event
    from functions.lambda_handler import handle_event

    with standin_process() as standin, store_process() as store_environ:
        env = function_environ(tmp_path, standin.api_base, store_environ)
        valid, invalid = answer(env, booking(1, True)), answer(env, booking(2, False))
        warm = handle_event(booking_event(3, 2), bench_settings(standin.api_base, store_environ))
        assert standin.requests() == 2
        stored = bench_settings(standin.api_base, store_environ).store()
        assert {s.record.event for s in stored.all_bookings()} == {OPEN_EVENT}
        assert len(list(stored.all_bookings())) == 2
    assert (valid["status"], valid["stripe_loaded"], valid["boto3_loaded"]) == (201, True, True), valid["body"]
    assert (invalid["status"], invalid["stripe_loaded"], invalid["boto3_loaded"]) == (422, False, False)
    assert warm["statusCode"] == 201, warm["body"]


def test_a_child_stamps_its_answer_on_the_clock_the_bench_started_it_by():
    from devtools.bench.cold_start import ANSWERED, answered_after
    from devtools.bench.common import PYTHON, run_child

    run = run_child([PYTHON, "-c", "sum(range(10**6))" + ANSWERED])
    to_answer, cpu = answered_after(run)
    assert 0 < to_answer < run.seconds  # after the spawn, before the exit
    assert cpu > 0


def test_without_lambdas_python_the_runtime_figure_says_why_it_was_not_run(tmp_path, monkeypatch):
    import devtools.deploy.package as package
    from devtools.bench.cold_start import runtime_bundle

    monkeypatch.setattr(package, "find_python", lambda version: None)
    reason = runtime_bundle(tmp_path)
    assert reason == f"no Python {package.LAMBDA_PYTHON} on this machine"
    recorded = json.loads((ROOT / "devtools" / "bench" / "results" / "20261206T104310Z.json").read_text())
    recorded["sections"] = {"cold": {**recorded["sections"]["cold"], "runtime": reason}}
    assert f"not run: {reason}" in render(recorded)
