"""Start `python -m devtools.devserver` as a newcomer would, on a free loopback port, against a tiny built site."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fixture_site import FIXTURE_FEES, OPEN_EVENT

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    out = tmp_path / "output"
    (out / "events" / OPEN_EVENT).mkdir(parents=True)
    (out / "theme" / "css").mkdir(parents=True)
    (out / "index.html").write_text("<!doctype html><title>Home</title><h1>Events</h1>", encoding="utf-8")
    (out / "404.html").write_text("<!doctype html><title>Not found</title><h1>Page not found</h1>", encoding="utf-8")
    (out / "events" / OPEN_EVENT / "index.html").write_text("<h1>Caldicott</h1>", encoding="utf-8")
    (out / "events" / OPEN_EVENT / "event.ics").write_text("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", encoding="utf-8")
    (out / "theme" / "css" / "site.css").write_text("body { margin: 0 }", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("outside the site", encoding="utf-8")
    return out


class DevServer:
    def __init__(self, process: subprocess.Popen, url: str, banner: str, stderr_path: Path):
        self.process = process
        self.url = url
        self.banner = banner
        self._stderr_path = stderr_path

    def log(self) -> str:
        return self._stderr_path.read_text(encoding="utf-8", errors="replace")


def dev_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("STRIPE_") and k not in ("SITE_URL", "PORT", "FEES_PATH")
    }
    env["FEES_PATH"] = str(FIXTURE_FEES)  # the function books on the test site, never the shipped content/
    env.update(extra)
    return env


@pytest.fixture
def start_devserver(tmp_path: Path):
    """start(output, env, *args) -> DevServer once its banner is printed; every server is stopped after the test."""
    started: list[subprocess.Popen] = []

    def start(output: Path, env: dict[str, str] | None = None, *args: str) -> DevServer:
        stderr_path = tmp_path / f"devserver-{len(started)}.log"
        env = dict(env or dev_env())
        env.setdefault("MAIL_OUTBOX", str(tmp_path / "outbox"))  # never the repository's outbox/
        env.setdefault("BOOKINGS_DATA", str(tmp_path / "bookings.json"))  # never the repository's .dev-state/
        process = subprocess.Popen(
            [sys.executable, "-m", "devtools.devserver", "--port", "0", "--output", str(output), *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr_path.open("w"),
            text=True,
        )
        started.append(process)
        lines: list[str] = []
        deadline = time.monotonic() + 20
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Press Ctrl+C" in line:
                break
        banner = "".join(lines)
        match = re.search(r"Event site:\s+(http://127\.0\.0\.1:\d+)/", banner)
        assert match, f"no banner; stderr: {stderr_path.read_text()}"
        return DevServer(process, match.group(1), banner, stderr_path)

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout:
            process.stdout.close()
