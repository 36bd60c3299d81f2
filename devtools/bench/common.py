"""What every benchmark shares: progress on stderr, medians and percentiles, timing a child process, the machine."""

from __future__ import annotations

import json
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
# The test site (tests/fixtures/site, see tests/fixture_site.py): a fee table and events far in the future, so the
# function benches book an event that is open whatever today's date and whatever the shipped events say.
TEST_SITE_CONTENT = ROOT / "tests" / "fixtures" / "site" / "content"
OPEN_EVENT = "caldicott-police-2083"  # booking closes 2083-09-13 17:00; no places limit
QUICK = os.environ.get("BENCH_QUICK", "").strip() not in ("", "0")
_START = time.monotonic()


def progress(message: str) -> None:
    """One line on stderr with the seconds since the run began, so a long run shows where it is."""
    sys.stderr.write(f"[bench {time.monotonic() - _START:6.1f}s] {message}\n")
    sys.stderr.flush()


def reps(full: int, quick: int) -> int:
    """Repetitions for this run: `quick` under BENCH_QUICK=1."""
    return quick if QUICK else full


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of the samples: a value that was actually observed."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


@dataclass(frozen=True)
class ChildRun:
    """One finished child process: wall seconds, peak resident memory (MiB), exit code and output."""

    seconds: float
    maxrss_mib: float
    returncode: int
    stdout: str
    stderr: str
    cpu_seconds: float = 0.0  # user + system time of the child itself, from the same rusage
    spawned: float = 0.0  # time.monotonic() just before the child was started (a child may stamp its own moments)


def run_child(args: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> ChildRun:
    """Run one process to the end; wall time from spawn to reaped, its own ru_maxrss via wait4."""
    out_path = Path(os.environ.get("TMPDIR", "/tmp"), f"bench-child-{os.getpid()}.out")
    err_path = out_path.with_suffix(".err")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        spawned = time.monotonic()
        started = time.perf_counter()
        proc = subprocess.Popen(list(args), stdout=out, stderr=err, env=env, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
    stdout = out_path.read_text(errors="replace")
    stderr = err_path.read_text(errors="replace")
    out_path.unlink(missing_ok=True)
    err_path.unlink(missing_ok=True)
    cpu = usage.ru_utime + usage.ru_stime
    return ChildRun(seconds, usage.ru_maxrss / 1024, proc.returncode, stdout, stderr, cpu, spawned)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _version(args: Sequence[str]) -> str:
    try:
        return subprocess.run(list(args), capture_output=True, text=True, timeout=30).stdout.strip().splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return "not found"


def machine() -> dict[str, str]:
    """How the numbers were taken: CPUs, Python, the packages that matter, Chromium and Node."""
    from importlib.metadata import PackageNotFoundError, version

    packages = {}
    for name in ("pelican", "markdown", "jinja2", "pydantic", "stripe", "pyyaml", "babel", "requests"):
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = "not installed"
    lighthouse = ROOT / "devtools" / "bench" / "node_modules" / "lighthouse" / "package.json"
    return {
        "date_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "nproc": str(os.cpu_count()),
        "cpu": _cpu_model(),
        "memory": f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB",
        "kernel": platform.release(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "packages": ", ".join(f"{k} {v}" for k, v in packages.items()),
        "chromium": _version(["/usr/bin/chromium", "--version"]),
        "node": _version(["node", "--version"]),
        "lighthouse": json.loads(lighthouse.read_text())["version"] if lighthouse.exists() else "not installed",
        "git": _version(["git", "-C", str(ROOT), "log", "-1", "--format=%h %s"]),
        "uncommitted": _dirty(),
        "load_average_at_start": "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg()),
        "quick": "yes (BENCH_QUICK=1: fewer repetitions, not for the record)" if QUICK else "no",
    }


def _dirty() -> str:
    """The benchmarks measure the working tree: name the measured code that differs from the commit."""
    try:
        out = subprocess.run(
            [
                "git",
                "-C",
                str(ROOT),
                "status",
                "--short",
                "--",
                "pricing",
                "functions",
                "plugins",
                "theme",
                "pelicanconf.py",
                "content",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    changed = [line[3:] for line in out if line.strip()]
    return ", ".join(changed) if changed else "none (the commit above)"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def self_maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
