"""`make bench` (`python -m devtools.bench.run [section ...]`): run the benchmarks, save JSON, print Markdown tables.

Sections: pricing, warm, cold, page, build (default: all, in that order; the build section gets
whatever remains of the time budget, BENCH_BUDGET seconds, default 570). BENCH_QUICK=1 is a fast
smoke run with fewer repetitions and smaller sites; its figures are not for the record.
BENCH_BUILD_SIZES=5000 limits the build section to the sizes given (comma-separated).
Progress goes to stderr; the tables go to stdout and to devtools/bench/results/<time>.md beside the JSON.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from devtools.bench.common import QUICK, ROOT, machine, progress
from devtools.bench.report import render

SECTIONS = ("pricing", "warm", "cold", "page", "build")


def _runner(name: str, deadline: float) -> Callable[[], dict[str, Any]]:
    if name == "pricing":
        from devtools.bench import pricing_rate

        return pricing_rate.run
    if name == "warm":
        from devtools.bench import warm_path

        return warm_path.run
    if name == "cold":
        from devtools.bench import cold_start

        return cold_start.run
    if name == "page":
        from devtools.bench import page

        return page.run
    if name == "build":
        from devtools.bench import build_scaling

        return lambda: build_scaling.run(max(60.0, deadline - time.monotonic()))
    raise SystemExit(f"unknown section {name!r}; choose from {', '.join(SECTIONS)}")


def main(argv: list[str]) -> int:
    chosen = argv or list(SECTIONS)
    for name in chosen:
        if name not in SECTIONS:
            raise SystemExit(f"unknown section {name!r}; choose from {', '.join(SECTIONS)}")
    budget = float(os.environ.get("BENCH_BUDGET") or 570)
    deadline = time.monotonic() + budget
    results: dict[str, Any] = {"machine": machine(), "sections": {}, "failed": {}}
    progress(
        f"machine: {results['machine']['nproc']} CPUs, {results['machine']['python']}; sections: {', '.join(chosen)}"
        + ("; QUICK run" if QUICK else f"; budget {budget:.0f}s")
    )
    for name in chosen:
        started = time.monotonic()
        progress(f"== {name}")
        try:
            results["sections"][name] = _runner(name, deadline)()
        except Exception as exc:  # one broken section must not lose the others' figures
            progress(f"== {name} FAILED: {type(exc).__name__}: {exc}")
            results["failed"][name] = f"{type(exc).__name__}: {exc}"
            continue
        results["sections"][name]["section_seconds"] = time.monotonic() - started
        results["sections"][name]["load_average_after"] = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
        progress(f"== {name} done in {time.monotonic() - started:.0f}s")
    build = results["sections"].get("build", {})
    if build.get("record") is False:
        progress(
            f"build: NOT A RECORD: the 1-minute load average reached {build['max_load_1min']:.2f} on {build['cores']} cores"
        )
    out_dir = ROOT / "devtools" / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + ("-quick" if QUICK else "")
    (out_dir / f"{stamp}.json").write_text(json.dumps(results, indent=1, default=str) + "\n")
    markdown = render(results)
    (out_dir / f"{stamp}.md").write_text(markdown)
    sys.stdout.write(markdown)
    progress(f"saved devtools/bench/results/{stamp}.json and .md")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
