"""The organisers' CMS at /admin/ under `make dev`: edits in the browser become the files a person would write,
the site rebuilds with them, and what the build refuses is shown in the build's own words.

Runs against a temporary copy of content/: the CMS writes files, never the repository's own.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, SITE_NOW, DevServer, free_port
from tests.fixture_site import FIXTURE_CONTENT
from tests.waiting import wait_until

pytestmark = pytest.mark.browser
DECAP = ROOT / "node_modules" / "decap-cms" / "dist" / "decap-cms.js"
NEW_EVENT = "data-ethics-2083"


@pytest.fixture(scope="module")
def cms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DevServer, Path]]:
    """`python -m devserver --content` (what `make dev` runs) on a copy of content/; yields it and the copy's root."""
    if not DECAP.is_file() or shutil.which("node") is None:
        reason = "the CMS needs Node.js and `npm ci` (node_modules/decap-cms is missing)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason)
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("cms-repository")
    shutil.copytree(FIXTURE_CONTENT, root / "content")
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRIPE_") and k not in ("SITE_URL", "PORT")}
    env.update(SITE_NOW=SITE_NOW, MAIL_OUTBOX=str(root / "outbox"))
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pelican",
            str(root / "content"),
            "--settings",
            "pelicanconf.py",
            "--output",
            str(root / "output"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    port = free_port()
    log_path = root / "devserver.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "devtools.devserver",
                "--port",
                str(port),
                "--content",
                str(root / "content"),
                "--output",
                str(root / "output"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = DevServer(f"http://127.0.0.1:{port}", log_path)
    try:

        def started() -> bool:
            assert process.poll() is None, f"the dev server stopped: {server.log()}"
            return "Editor (CMS)" in server.log()

        wait_until(started, timeout=30, what=lambda: f"the dev server to start: {server.log()}")
        yield server, root
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture
def admin(browser, cms):
    server, _ = cms
    context = browser.new_context(base_url=server.url, viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    # Decap ends a save it refused (after showing the field's message) with an unhandled rejection of `undefined`.
    page.on("pageerror", lambda e: str(e) != "undefined" and errors.append(str(e)))
    # Decap logs a refused save to the console too; what must never happen is a script error or a CSP refusal.
    page.on("console", lambda m: "Content Security Policy" in m.text and errors.append(m.text))
    yield page
    context.close()
    assert errors == [], f"the CMS reported errors: {errors}"


def log_in(page) -> None:
    page.goto("/admin/")
    page.get_by_role("button", name="Login").click()
    expect(page.get_by_role("heading", name="Collections")).to_be_visible()


def publish(page, saved: bool = True) -> None:
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_text("Publish now", exact=True).click()
    if saved:
        expect(page.get_by_role("button", name="Published")).to_be_visible()


def wait_for_page(server: DevServer, path: str, text: str, timeout: float = 60) -> str:
    """The page at `path` once it contains `text` (the dev server rebuilds after a save)."""
    body = ""

    def showing() -> str:
        nonlocal body
        try:
            with urllib.request.urlopen(server.url + path, timeout=5) as answer:
                body = answer.read().decode()
        except urllib.error.HTTPError as exc:
            body = exc.read().decode()
        except OSError:
            body = ""
        return body if text in body else ""

    return wait_until(
        showing,
        timeout=timeout,
        interval=0.3,
        what=lambda: f"{path} to show {text!r}; last answer:\n{body[:2000]}\n{server.log()[-3000:]}",
    )


EXPECTED_EVENT = """Title: Data Ethics in Health and Care
Slug: data-ethics-2083
Date: 2083-10-05
Starts: 09:30
Ends: 16:00
Format: virtual
Hashtag: #DataEthics
CPD_hours: 5
Summary: A one-day virtual conference on using health data fairly.

How to decide when data may be used, and who decides.
"""


def test_an_event_added_in_the_browser_is_on_the_site_with_its_prices(admin, cms):
    server, root = cms
    log_in(admin)
    admin.get_by_role("link", name="Events").first.click()
    admin.get_by_role("link", name=re.compile(r"\bEvent$")).click()
    admin.get_by_label("Title", exact=True).fill("Data Ethics in Health and Care")
    admin.get_by_label("Web address and file name").fill(NEW_EVENT)
    admin.get_by_label("Date", exact=True).fill("2083-10-05")
    admin.get_by_label("Starts (UK time)").fill("09:30")
    admin.get_by_label("Ends (UK time)").fill("16:00")
    admin.get_by_label("Hashtag").fill("DataEthics")
    admin.get_by_label("CPD hours").fill("5")
    admin.get_by_label("Summary").fill("A one-day virtual conference on using health data fairly.")
    body = admin.get_by_role("textbox").and_(admin.locator('[contenteditable="true"]'))  # the page text's editor
    body.click()
    body.type("How to decide when data may be used, and who decides.")
    publish(admin)
    event_file = root / "content" / "events" / f"{NEW_EVENT}.md"
    wait_until(lambda: event_file.is_file(), timeout=30, what=f"the CMS to write {event_file}")
    assert event_file.read_text(encoding="utf-8") == EXPECTED_EVENT

    # Without a fee table entry the build refuses the event, in its own words, on every page.
    refused = wait_for_page(server, "/", "The site was not rebuilt")
    assert f"events/{NEW_EVENT}.md: slug: &#34;{NEW_EVENT}&#34; has no entry under events" in refused.replace(
        "&quot;", "&#34;"
    )

    open_fee_table(admin)
    admin.get_by_role("button", name="Add event").click()
    entry = admin.locator("[id^=slug-field]").last
    entry.click()
    admin.get_by_role("option", name=re.compile("Data Ethics in Health and Care")).click()
    tariff = admin.locator("[id^=tariff-field]").last
    tariff.click()
    admin.get_by_role("option", name="Virtual conference").click()
    admin.get_by_label("Booking closes (UK time)").last.fill("2083-10-04T17:00")
    admin.get_by_label("Most delegates on one booking").last.fill("12")
    publish(admin)
    fees = root / "content" / "fees.yaml"
    wait_until(lambda: NEW_EVENT in fees.read_text(encoding="utf-8"), timeout=30, what="the CMS to save the fee table")
    text = fees.read_text(encoding="utf-8")
    assert text.startswith("# The fee table: every price the site shows")  # the file's own guidance kept
    assert (
        f"""  {NEW_EVENT}:
    tariff: virtual
    booking_closes: "2083-10-04 17:00"
    max_delegates: 12
"""
        in text
    )
    assert 'net: "295.00"' in text
    # What the editor shows but this test did not touch is written back as it was: early rates and codes too.
    assert 'early_booking: {until: "2083-03-31 23:59", percent: 10}' in text or (
        'early_booking:\n      until: "2083-03-31 23:59"\n      percent: 10' in text
    )
    assert "SPEAKER27" in text and "PARTNER15" in text

    page = wait_for_page(server, f"/events/{NEW_EVENT}/", "Data Ethics in Health and Care")
    assert "£295.00" in page and "£354.00" in page  # the public-sector price, before and with VAT


def open_fee_table(page) -> None:
    page.goto("/admin/#/collections/fees")
    page.get_by_role("main").get_by_role("link", name="Fee table").click()
    expect(page.get_by_label("VAT (%)")).to_be_visible()


@pytest.mark.parametrize("typed", ["29O.00", "295"])
def test_a_price_not_in_pounds_and_pence_is_refused_in_the_editor(admin, cms, typed):
    _, root = cms
    before = (root / "content" / "fees.yaml").read_text(encoding="utf-8")
    log_in(admin)
    open_fee_table(admin)
    price = admin.get_by_label("Price before VAT (£)").first
    price.fill(typed)
    publish(admin, saved=False)
    expect(admin.get_by_text("Write pounds and pence with two decimal places, like 295.00")).to_be_visible()
    assert (root / "content" / "fees.yaml").read_text(encoding="utf-8") == before


def test_a_change_the_build_refuses_shows_the_builds_message(admin, cms):
    server, root = cms
    log_in(admin)
    admin.get_by_role("link", name="Events").first.click()
    admin.get_by_role("link", name=re.compile("2083-05-20: Records Management")).click()
    admin.get_by_label("Ends (UK time)").fill("08:00")
    publish(admin)
    refused = wait_for_page(server, "/", "The site was not rebuilt")
    assert "content/events/records-retention-2083.md: ends: must be later than starts (09:30)" in refused
    assert "records-retention-2083.md: ends: must be later than starts (09:30)" in server.log()
    # Putting it right by hand brings the site back: the dev server watches content/ whoever edits it.
    event = root / "content" / "events" / "records-retention-2083.md"
    event.write_text(event.read_text(encoding="utf-8").replace("Ends: 08:00", "Ends: 15:45"), encoding="utf-8")
    wait_for_page(server, "/events/records-retention-2083/", "Records Management and Retention")


def test_the_login_page_has_no_serious_accessibility_problems(admin, axe_source):
    admin.goto("/admin/")
    expect(admin.get_by_role("button", name="Login")).to_be_visible()
    admin.evaluate(axe_source)
    result = admin.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


@pytest.mark.parametrize(
    ("label", "typed", "message"),
    [
        ("Sort code", "12-34-5", "Write a sort code of 6 digits, like 12-34-56"),
        ("Account number", "1234567", "Write an account number of 8 digits, like 12345678"),
    ],
)
def test_bank_details_the_build_would_refuse_are_refused_in_the_editor(admin, cms, label, typed, message):
    _, root = cms
    before = (root / "content" / "organiser.yaml").read_text(encoding="utf-8")
    log_in(admin)
    admin.goto("/admin/#/collections/organiser/entries/organiser")
    field = admin.get_by_label(label, exact=True)
    expect(field).to_have_value("12-34-56" if label == "Sort code" else "12345678")
    field.fill(typed)
    publish(admin, saved=False)
    expect(admin.get_by_text(message)).to_be_visible()
    assert (root / "content" / "organiser.yaml").read_text(encoding="utf-8") == before
