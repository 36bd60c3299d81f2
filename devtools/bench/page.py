"""The event page: bytes and requests as Chromium loads it from the dev server, and Lighthouse's four scores.

The real site is built with SITE_NOW inside the 2027 event's booking window (so the booking form
is on the page), served by `python -m devtools.devserver` on a free loopback port, and loaded by Debian's
Chromium twice over: once through Playwright to list every request and its body, then by
Lighthouse 12.2.3 (mobile, its default simulated throttling) for the scores.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from devtools.bench.common import PYTHON, ROOT, free_port, median, progress, reps

EVENT_PATH = "/events/caldicott-police-2027/"
SITE_NOW = "2027-01-01T09:00:00+00:00"
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LIGHTHOUSE = ROOT / "devtools" / "bench" / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def build_site(output: Path) -> None:
    env = {**os.environ, "SITE_NOW": SITE_NOW}
    subprocess.run(
        [PYTHON, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", str(output), "-q"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


@contextmanager
def dev_server(output: Path) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRIPE_")}
    env["SITE_NOW"] = SITE_NOW
    proc = subprocess.Popen(
        [PYTHON, "-m", "devtools.devserver", "--port", str(port), "--output", str(output)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError("devserver exited") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def page_weight(url: str) -> dict[str, Any]:
    """Every request Chromium makes for the page (after load and idle), with raw and gzip -6 sizes."""
    from playwright.sync_api import sync_playwright

    seen: list[dict[str, Any]] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_FLAGS[1:])
        try:
            page = browser.new_page(viewport={"width": 412, "height": 823})

            def on_response(response):
                try:
                    body = response.body()
                except Exception:  # a redirect or aborted request has no body
                    body = b""
                seen.append(
                    {
                        "url": response.url,
                        "type": response.request.resource_type,
                        "status": response.status,
                        "raw": len(body),
                        "gzip": len(gzip.compress(body, compresslevel=6)) if body else 0,
                        "served_encoding": response.headers.get("content-encoding", ""),
                    }
                )

            page.on("response", on_response)
            page.goto(url, wait_until="networkidle")
            page.wait_for_timeout(500)
        finally:
            browser.close()
    origin = urlsplit(url).netloc
    code = [r for r in seen if r["type"] in ("document", "stylesheet", "script")]
    return {
        "requests": len(seen),
        "first_party": all(urlsplit(r["url"]).netloc == origin for r in seen),
        "third_party_urls": [r["url"] for r in seen if urlsplit(r["url"]).netloc != origin],
        "html_css_js_raw": sum(r["raw"] for r in code),
        "html_css_js_gzip": sum(r["gzip"] for r in code),
        "all_raw": sum(r["raw"] for r in seen),
        "all_gzip": sum(r["gzip"] for r in seen),
        "by_request": [{**r, "url": urlsplit(r["url"]).path} for r in seen],
    }


def lighthouse(url: str, runs: int, tmp: Path) -> dict[str, Any]:
    if not LIGHTHOUSE.exists():
        raise RuntimeError("Lighthouse is not installed: run `cd bench && npm ci` (make bench does)")
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    scores: dict[str, list[float]] = {c: [] for c in CATEGORIES}
    failing: dict[str, set[str]] = {}
    failures: list[str] = []
    for i in range(runs):
        report = tmp / f"lighthouse-{i}.json"
        for attempt in range(1, 4):
            done = subprocess.run(
                [
                    str(LIGHTHOUSE),
                    url,
                    "--quiet",
                    "--output=json",
                    f"--output-path={report}",
                    f"--chrome-flags={' '.join(CHROME_FLAGS)}",
                    "--only-categories=" + ",".join(CATEGORIES),
                ],
                env=env,
                capture_output=True,
                text=True,
                timeout=180,
            )
            if done.returncode == 0:
                break
            failures.append(f"run {i + 1} attempt {attempt}: exit {done.returncode}: {done.stderr.strip()[-600:]}")
            progress(f"page: Lighthouse failed (exit {done.returncode}), trying again: {done.stderr.strip()[-300:]}")
        else:
            raise RuntimeError("Lighthouse failed three times:\n" + "\n".join(failures))
        data = json.loads(report.read_text())
        for c in CATEGORIES:
            scores[c].append(round(data["categories"][c]["score"] * 100))
            for ref in data["categories"][c]["auditRefs"]:
                audit = data["audits"][ref["id"]]
                if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
                    failing.setdefault(c, set()).add(
                        f"{ref['id']} ({audit['score']:.2f}: {audit.get('displayValue', '')})".replace(": )", ")")
                    )
        if i == 0:
            metrics = {
                k: data["audits"][k]["displayValue"]
                for k in (
                    "first-contentful-paint",
                    "largest-contentful-paint",
                    "total-blocking-time",
                    "cumulative-layout-shift",
                    "speed-index",
                )
                if k in data["audits"]
            }
            shutil.copy(report, tmp / "lighthouse-first.json")
        progress(f"page: Lighthouse run {i + 1}/{runs}: " + ", ".join(f"{c} {scores[c][-1]}" for c in CATEGORIES))
    return {
        "runs": runs,
        "scores": {c: median(v) for c, v in scores.items()},
        "all_scores": scores,
        "below_1_audits": {c: sorted(v) for c, v in failing.items()},
        "metrics_first_run": metrics,
        "failed_attempts": failures,
    }


def run() -> dict[str, Any]:
    lh_runs = reps(5, 1)
    with tempfile.TemporaryDirectory(prefix="bench-page-") as tmp:
        output = Path(tmp, "output")
        progress("page: building the site (SITE_NOW inside the 2027 event's booking window)")
        build_site(output)
        js = sorted(str(p.relative_to(output)) for p in output.rglob("*.js"))
        with dev_server(output) as base:
            url = base + EVENT_PATH
            progress("page: loading the event page in Chromium (Playwright) to list its requests")
            weight = page_weight(url)
            progress(f"page: Lighthouse {lh_runs} run(s), mobile")
            scores = lighthouse(url, lh_runs, Path(tmp))
    return {"url_path": EVENT_PATH, "site_now": SITE_NOW, "js_files_built": js, **weight, "lighthouse": scores}
