"""Our build before and after a change, and stock Pelican, interleaved on the same generated sites.

    .venv/bin/python -m devtools.bench.before_after /tmp/before 1000 5

/tmp/before is another tree of this repository with its own venv (`git archive <commit> | tar -x -C /tmp/before`,
then `python3 -m venv .venv && .venv/bin/pip install -e '.[site]'` there: the plugin is imported from the tree
the venv was installed from). Each round builds the same N events with the other tree's code, with this tree's,
and the same N as plain Markdown with stock Pelican, in rotating order, so the three are taken under the same
load; a shared machine's load moves wall times far more than any change, and CPU time less. Prints each round
with the 1-minute load average and the medians; the figures go to BENCHMARKS.md by hand.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from devtools.bench.common import PYTHON, ROOT, median, run_child
from devtools.bench.sitegen import SITE_NOW, write_event_site, write_plain_site


def compare(before: Path, events: int, rounds: int) -> dict[str, float]:
    env = {**os.environ, "SITE_NOW": SITE_NOW}
    with tempfile.TemporaryDirectory(prefix="bench-before-after-") as tmp:
        folder = Path(tmp)
        ours = write_event_site(folder / "ours", events)
        plain, plain_settings = write_plain_site(folder / "plain", events)
        builds = {
            "before": ([str(before / ".venv/bin/python"), "-m", "pelican", str(ours), "-s", "pelicanconf.py"], before),
            "after": ([PYTHON, "-m", "pelican", str(ours), "-s", "pelicanconf.py"], ROOT),
            "plain": ([PYTHON, "-m", "pelican", str(plain), "-s", str(plain_settings)], plain_settings.parent),
        }
        order = list(builds)
        rows = []
        for round_ in range(rounds):
            row = {"load_before": os.getloadavg()[0]}
            for kind in order:
                output = folder / f"out-{kind}"
                shutil.rmtree(output, ignore_errors=True)
                args, cwd = builds[kind]
                run = run_child([*args, "-o", str(output), "-q"], env=env, cwd=cwd)
                if run.returncode != 0:
                    raise SystemExit(f"{kind} build failed:\n{run.stderr[-3000:]}")
                row[f"{kind}_s"], row[f"{kind}_cpu_s"] = run.seconds, run.cpu_seconds
            row["load_after"] = os.getloadavg()[0]
            rows.append(row)
            print(f"{events} events, round {round_ + 1}: " + json.dumps({k: round(v, 2) for k, v in row.items()}))
            order = order[1:] + order[:1]
    summary = {key: median([r[key] for r in rows]) for key in rows[0]}
    for kind in ("before", "after"):
        summary[f"{kind}_cpu_ratio"] = median([r[f"{kind}_cpu_s"] / r["plain_cpu_s"] for r in rows])
        summary[f"{kind}_wall_ratio"] = median([r[f"{kind}_s"] / r["plain_s"] for r in rows])
    summary["after_cpu_over_before"] = median([r["after_cpu_s"] / r["before_cpu_s"] for r in rows])
    summary["max_load_1min"] = max(max(r["load_before"], r["load_after"]) for r in rows)
    return summary


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        raise SystemExit(__doc__)
    before, events, rounds = Path(argv[0]).resolve(), int(argv[1]), int(argv[2])
    summary = compare(before, events, rounds)
    print(f"{events} events, medians: " + json.dumps({k: round(v, 3) for k, v in summary.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
