"""The dev server applies production's per-client rate limit on /api/* (Netlify answers 429), never to Stripe's webhook."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from devtools.deploy.redirects import RATE_LIMIT_REQUESTS, RATE_LIMIT_WINDOW_SECONDS, signed_proxy_rule
from devtools.devserver.rate_limit import RateLimit
from devtools.devserver.server import DevApp
from tests.devserver.conftest import ROOT, dev_env
from tests.functions.conftest import JSON_HEADERS, booking, http

BOOKING = json.dumps(booking(1)).encode()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Function:
    """Stands in for the booking function behind the proxy: counts what reaches it."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.paths.append(event["rawPath"])
        return {"statusCode": 201, "headers": {"content-type": "application/json"}, "body": "{}"}


def send(app: DevApp, path: str = "/api/bookings", client: str = "203.0.113.7") -> tuple[int, dict[str, str], bytes]:
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer["status"], answer["headers"] = int(status.split()[0]), dict(headers)

    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "REMOTE_ADDR": client,
        "HTTP_HOST": "127.0.0.1:8000",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(BOOKING)),
        "wsgi.input": io.BytesIO(BOOKING),
    }
    body = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], body


def limited_app(site: Path, limit: int = 3) -> tuple[DevApp, Function, Clock]:
    function, clock = Function(), Clock()
    return (
        DevApp(site, rate_limit=RateLimit(limit, RATE_LIMIT_WINDOW_SECONDS, clock), function=function),
        function,
        clock,
    )


def test_the_request_over_the_limit_gets_429_and_never_reaches_the_function(site):
    app, function, _ = limited_app(site)
    assert [send(app)[0] for _ in range(3)] == [201, 201, 201]
    status, headers, body = send(app)
    assert status == 429
    assert headers["Retry-After"] == str(RATE_LIMIT_WINDOW_SECONDS)
    assert headers["Content-Type"].startswith("text/plain") and b"Too many requests" in body
    assert len(function.paths) == 3


def test_another_client_is_not_limited(site):
    app, function, _ = limited_app(site)
    for _ in range(4):
        send(app, client="203.0.113.7")
    assert send(app, client="198.51.100.20")[0] == 201
    assert len(function.paths) == 4


def test_stripes_webhook_is_never_limited(site):
    app, function, _ = limited_app(site)
    for _ in range(4):
        send(app)
    assert [send(app, "/api/stripe-webhook")[0] for _ in range(10)] == [201] * 10
    assert function.paths.count("/api/stripe-webhook") == 10


def test_the_window_slides_past_the_oldest_request(site):
    app, function, clock = limited_app(site)
    send(app)
    clock.now += 10
    send(app)
    send(app)
    clock.now += RATE_LIMIT_WINDOW_SECONDS - 10 - 0.5  # half a second before the first request leaves the window
    status, headers, _ = send(app)
    assert status == 429 and headers["Retry-After"] == "1"
    clock.now += 0.5
    assert send(app)[0] == 201  # the first request has left the window
    assert send(app)[0] == 429  # the other two have not
    clock.now += 10
    assert [send(app)[0] for _ in range(3)] == [201, 201, 429]
    assert len(function.paths) == 6


def test_by_default_the_dev_server_enforces_productions_numbers(site):
    app = DevApp(site)
    assert (app.rate_limit.limit, app.rate_limit.window) == (RATE_LIMIT_REQUESTS, RATE_LIMIT_WINDOW_SECONDS)
    rule = signed_proxy_rule("https://fn.example")
    assert f"window_limit = {app.rate_limit.limit}" in rule and f"window_size = {app.rate_limit.window}" in rule


def test_make_devs_server_answers_429_past_the_limit_without_a_checkout(site, start_devserver):
    server = start_devserver(site, None, "--rate-limit", "2")
    assert "at most 2 requests a client" in server.banner
    answers = [http("POST", server.url + "/api/bookings", json.dumps(booking(n)), JSON_HEADERS) for n in (1, 2, 3)]
    assert [a.status for a in answers] == [201, 201, 429]
    assert int(answers[2].headers["retry-after"]) >= 1
    # The stand-in lists every checkout it was asked for: the two bookings let through, not the third.
    listed = set(re.findall(r"cs_test_[A-Za-z0-9]+", http("GET", server.url + "/_stripe/").text))
    assert listed == {a.json()["checkout_url"].rsplit("/", 1)[1] for a in answers[:2]}
    assert "rate limit" in server.log()


def test_the_limit_cannot_be_switched_off(site):
    result = subprocess.run(
        [sys.executable, "-m", "devtools.devserver", "--port", "0", "--output", str(site), "--rate-limit", "0"],
        cwd=ROOT,
        env=dev_env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and "at least 1" in result.stderr
