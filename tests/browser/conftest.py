"""One real Pelican build, one dev server and one Chromium per session, for the booking form's browser tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fixture_site import FIXTURE_CONTENT, FIXTURE_FEES, OPEN_EVENT
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
# The test site (tests/fixtures/site/) is what the browser sees and books: built before every booking
# deadline in its fee table, so its 2083 events are open (the function itself uses the real clock, decades
# before them) and its 2080 event is past.
SITE_NOW = "2082-11-25T09:00:00+00:00"
EVENT = OPEN_EVENT
LINK_SECRET = "link-secret-of-the-browser-suite-0123456789"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


@dataclass
class DevServer:
    """A running `python -m devtools.devserver`: its address and everything it has logged so far."""

    url: str
    log_path: Path
    store_environ: dict[str, str] | None = None  # the function's booking store: the local engine and its table

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    @property
    def outbox(self) -> Path:
        """Where the function writes its e-mails as .eml files."""
        return self.log_path.parent / "outbox"

    def fulfilments(self, booking_ref: str) -> int:
        """How many times the function confirmed this booking (flows.advance's "<ref>: ... -> confirmed" line)."""
        return sum(
            1 for line in self.log().splitlines() if line.endswith("-> confirmed") and f"booking {booking_ref}:" in line
        )


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser-site") / "output"
    env = {**os.environ, "SITE_NOW": SITE_NOW, "SITE_URL": ""}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pelican",
            str(FIXTURE_CONTENT),
            "--settings",
            "pelicanconf.py",
            "--output",
            str(out),
            "--delete-output-directory",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def devserver(
    site: Path, tmp_path_factory: pytest.TempPathFactory, store_environ: dict[str, str], dynamodb_client
) -> Iterator[DevServer]:
    from devtools.dynamodb.table import create_table

    port = free_port()
    log_path = tmp_path_factory.mktemp("devserver") / "devserver.log"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("STRIPE_") and k not in ("SITE_URL", "PORT", "FEES_PATH")
    }
    env["FEES_PATH"] = str(FIXTURE_FEES)  # the function prices and books the test site too
    env["CONTACT_EMAIL"] = "bookings@example.org"
    env["BOOKING_LINK_SECRET"] = LINK_SECRET  # so a test can sign a link (an expired one) as the function would
    env["MAIL_OUTBOX"] = str(log_path.parent / "outbox")  # never the repository's outbox/ (DevServer.outbox)
    table = f"bookings-browser-{uuid.uuid4().hex[:12]}"
    create_table(dynamodb_client, table)
    store = {**store_environ, "BOOKINGS_TABLE": table}
    env.update(store)
    with log_path.open("w") as log:
        process = subprocess.Popen(
            # One client books many times a minute here: raise production's per-client limit (make dev keeps it).
            [
                sys.executable,
                "-m",
                "devtools.devserver",
                "--port",
                str(port),
                "--output",
                str(site),
                "--rate-limit",
                "10000",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = DevServer(f"http://127.0.0.1:{port}", log_path, store)
    try:

        def answering() -> bool:
            try:
                with urllib.request.urlopen(server.url + "/", timeout=2) as answer:
                    if answer.status == 200:
                        # The pages run under production's CSP (netlify.toml), so a blocked script shows.
                        assert "script-src 'self'" in answer.headers.get("Content-Security-Policy", "")
                        return True
            except OSError:
                pass
            assert process.poll() is None, f"the dev server stopped: {server.log()}"
            return False

        wait_until(answering, timeout=20, interval=0.1, what=lambda: f"the dev server to answer: {server.log()}")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def page(browser, devserver: DevServer):
    """A fresh context with JavaScript on; console errors (e.g. a CSP refusal) fail the test."""
    context = browser.new_context(base_url=devserver.url, viewport={"width": 1280, "height": 900})
    yield from _watched(context)


@pytest.fixture
def page_without_js(browser, devserver: DevServer):
    context = browser.new_context(
        base_url=devserver.url, viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    yield from _watched(context)


def _watched(context):
    context.set_default_timeout(10_000)
    # The dev server sends netlify.toml's CSP with the site's files, so a refused inline script
    # or style shows up here as a console error and fails the test.
    page = context.new_page()
    problems: list[str] = []

    def on_console(message) -> None:
        url = message.location.get("url", "")
        # Expected: the function answering 4xx/5xx to fetch in the error tests.
        expected = message.text.startswith("Failed to load resource") and "/api/" in url
        if message.type == "error" and not expected:
            problems.append(f"{message.text} ({url})")

    page.on("console", on_console)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        yield page
    finally:
        # A test may end while the page still loads (say the next page's CSS): let those requests go.
        page.unroute_all(behavior="ignoreErrors")
        context.close()
    assert problems == [], f"the browser reported errors: {problems}"


@pytest.fixture
def person() -> dict[str, str]:
    """Someone new for each test: the booking reference (and Stripe's idempotency key) follow the people."""
    tag = uuid.uuid4().hex[:8]
    return {
        "name": f"Priya Shah {tag}",
        "email": f"priya.{tag}@nhs.net",
        "organisation": "Leeds Teaching Hospitals NHS Trust",
    }


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.is_file():
        reason = (
            f"{AXE.relative_to(ROOT)} is missing: run `npm ci --no-audit --no-fund` (make test does when npm exists)"
        )
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason)
        pytest.skip(reason)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def screenshots() -> Path:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS
