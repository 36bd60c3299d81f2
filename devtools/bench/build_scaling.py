"""Build scaling: our site (pelicanconf, event_site plugin, theme) against stock Pelican, at 100/1,000/5,000 events.

Each repetition builds ours and plain at one size back to back (order alternating), so the ratio
of the pair is taken on the same machine state. Output folders are removed outside the timing.
The 1-minute load average is taken before and after every pair; a run in which it passed the
machine's cores is reported, but not as a record: both builds then wait on the same cores and the
wall-clock ratio shrinks towards 1. CPU time (user + system) is the headline figure.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from devtools.bench.common import PYTHON, QUICK, ROOT, median, progress, run_child
from devtools.bench.sitegen import SITE_NOW, write_event_site, write_plain_site

SIZES = (100, 1000, 5000)
QUICK_SIZES = (20, 200)
FULL_REPS = 5


def _pelican(content: Path, settings: Path, output: Path, cwd: Path) -> list[str]:
    return [PYTHON, "-m", "pelican", str(content), "-s", str(settings), "-o", str(output), "-q"]


def _build(kind: str, site: dict[str, Path], env: dict[str, str]) -> tuple[float, float, float]:
    out = site["output"]
    shutil.rmtree(out, ignore_errors=True)
    run = run_child(_pelican(site["content"], site["settings"], out, site["cwd"]), env=env, cwd=site["cwd"])
    if run.returncode != 0:
        raise RuntimeError(f"{kind} build failed ({run.returncode}):\n{run.stderr[-3000:]}")
    return run.seconds, run.maxrss_mib, run.cpu_seconds


def record_verdict(pairs: list[dict[str, float]], cores: int | None = None) -> dict[str, Any]:
    """Whether the pairs may stand as a record: the 1-minute load average stayed within the machine's cores."""
    cores = cores or os.cpu_count() or 1
    loads = [load for pair in pairs for load in (pair.get("load_before"), pair.get("load_after")) if load is not None]
    highest = max(loads, default=float("nan"))
    return {"cores": cores, "max_load_1min": highest, "record": bool(loads) and highest <= cores}


def _fit(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    """Least squares y = a + b·x; returns (a, b, R²)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=False)) / sxx
    a = my - b * mx
    ss_res = sum((y - (a + b * x)) ** 2 for x, y in zip(xs, ys, strict=False))
    ss_tot = sum((y - my) ** 2 for y in ys)
    return a, b, 1 - ss_res / ss_tot if ss_tot else 1.0


def run(budget_seconds: float) -> dict[str, Any]:
    """Interleaved builds; 5 pairs per size while the budget allows, at least 1 (the largest size is capped by it)."""
    sizes: tuple[int, ...] = QUICK_SIZES if QUICK else SIZES
    if os.environ.get("BENCH_BUILD_SIZES"):  # e.g. BENCH_BUILD_SIZES=5000 for more pairs at one size
        sizes = tuple(int(n) for n in os.environ["BENCH_BUILD_SIZES"].split(","))
    reps = 2 if QUICK else FULL_REPS
    deadline = time.monotonic() + budget_seconds
    env = {**os.environ, "SITE_NOW": SITE_NOW}
    results: dict[str, Any] = {"sizes": {}, "site_now": SITE_NOW}
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        for n in sizes:
            folder = Path(tmp, str(n))
            progress(f"build: generating {n} events (ours and plain)")
            ours_content = write_event_site(folder / "ours", n)
            plain_content, plain_settings = write_plain_site(folder / "plain", n)
            sites = {
                "ours": {
                    "content": ours_content,
                    "settings": ROOT / "pelicanconf.py",
                    "output": folder / "ours" / "output",
                    "cwd": ROOT,
                },
                "plain": {
                    "content": plain_content,
                    "settings": plain_settings,
                    "output": folder / "plain" / "output",
                    "cwd": folder / "plain",
                },
            }
            rows: list[dict[str, float]] = []
            for rep in range(reps):
                order = ("ours", "plain") if rep % 2 == 0 else ("plain", "ours")
                pair_started = time.monotonic()
                row: dict[str, float] = {"load_before": os.getloadavg()[0]}
                for kind in order:
                    seconds, rss, cpu = _build(kind, sites[kind], env)
                    row[f"{kind}_s"], row[f"{kind}_rss_mib"], row[f"{kind}_cpu_s"] = seconds, rss, cpu
                row["load_after"] = os.getloadavg()[0]
                row["ratio"] = row["ours_s"] / row["plain_s"]
                row["cpu_ratio"] = row["ours_cpu_s"] / row["plain_cpu_s"]
                rows.append(row)
                progress(
                    f"build: {n} events, pair {rep + 1}: ours {row['ours_s']:.2f}s, plain {row['plain_s']:.2f}s, ratio {row['ratio']:.2f}"
                    f" (CPU {row['ours_cpu_s']:.2f}s / {row['plain_cpu_s']:.2f}s = {row['cpu_ratio']:.2f});"
                    f" load {row['load_before']:.2f} -> {row['load_after']:.2f}"
                )
                pair_seconds = time.monotonic() - pair_started
                remaining_sizes = [m for m in sizes if m > n]
                # Leave time for one pair of each larger size, estimated linearly from this one.
                reserve = sum(pair_seconds * m / n for m in remaining_sizes)
                if rep + 1 < reps and time.monotonic() + pair_seconds + reserve > deadline:
                    progress(f"build: {n} events: stopping after {rep + 1} pair(s) to stay inside the time budget")
                    break
            outputs = {kind: sum(1 for _ in Path(site["output"]).rglob("*.html")) for kind, site in sites.items()}
            results["sizes"][n] = {
                "runs": len(rows),
                "pairs": rows,
                "ours_s": median([r["ours_s"] for r in rows]),
                "plain_s": median([r["plain_s"] for r in rows]),
                "ratio": median([r["ratio"] for r in rows]),
                # CPU time (user + system) of each build: what other processes on a shared machine disturb least.
                "cpu_ratio": median([r["cpu_ratio"] for r in rows]),
                "ours_cpu_s": median([r["ours_cpu_s"] for r in rows]),
                "plain_cpu_s": median([r["plain_cpu_s"] for r in rows]),
                "ours_rss_mib": median([r["ours_rss_mib"] for r in rows]),
                "plain_rss_mib": median([r["plain_rss_mib"] for r in rows]),
                "html_files": outputs,
            }
            shutil.rmtree(folder, ignore_errors=True)
    results.update(record_verdict([r for size in results["sizes"].values() for r in size["pairs"]]))
    xs = [float(n) for n in results["sizes"]]
    for kind in ("ours", "plain") if len(xs) > 1 else ():
        ys = [results["sizes"][n][f"{kind}_s"] for n in results["sizes"]]
        a, b, r2 = _fit(xs, ys)
        results[f"{kind}_fit"] = {"intercept_s": a, "s_per_1000": b * 1000, "r2": r2}
        results[f"{kind}_s_per_1000_at_size"] = {
            n: results["sizes"][n][f"{kind}_s"] / n * 1000 for n in results["sizes"]
        }
    return results
