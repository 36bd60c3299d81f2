"""Fixtures for the booking function: Settings with a controllable clock, Lambda events, and booking bodies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from functions.lambda_handler import handle_event
from functions.settings import Settings
from tests.fixture_site import FIXTURE_FEES, OPEN_EVENT

WEBHOOK_SECRET = "whsec_test_functions_suite"
NOW = datetime(2083, 6, 1, 9, 0, tzinfo=UTC)  # the test site's open event takes bookings until 2083-09-13
# The booking store every Settings made here uses: a fresh table per test (set by the autouse fixture below).
STORE: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _fresh_store(store_environ: dict[str, str], bookings_table: str):
    STORE.clear()
    STORE.update(store_environ, BOOKINGS_TABLE=bookings_table)
    yield
    STORE.clear()


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "store_environ": dict(STORE),
        "stripe_secret_key": "sk_test_functions_suite",
        "stripe_webhook_secret": WEBHOOK_SECRET,
        "site_url": "http://127.0.0.1:9",
        "stripe_api_base": "http://127.0.0.1:9",
        "now": lambda: NOW,
        "stripe_timeout_seconds": 2.0,
        "link_secret": "test-link-secret-for-the-functions-suite-0123456789",
        "fees_path": FIXTURE_FEES,  # the test site (tests/fixtures/site/), never the shipped content/
    }
    values.update(overrides)
    return Settings(**values)


def lambda_event(
    method: str, path: str, body: str | bytes = "", headers: dict[str, str] | None = None, query: str = ""
) -> dict[str, Any]:
    is_b64 = isinstance(body, bytes)
    if is_b64:
        import base64

        body = base64.b64encode(body).decode("ascii")
    return {
        "version": "2.0",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {k.lower(): v for k, v in (headers or {}).items()},
        "requestContext": {"http": {"method": method, "path": path}},
        "body": body,
        "isBase64Encoded": is_b64,
    }


def booking(
    delegates: int = 1, category: str = "public-sector", event: str = OPEN_EVENT, payment: str = "card", **extra: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "event": event,
        "category": category,
        "payment": payment,
        "contact": {
            "name": "Priya Shah",
            "email": "priya.shah@nhs.net",
            "organisation": "Leeds Teaching Hospitals NHS Trust",
        },
        "delegates": [
            {
                "name": f"Delegate {i}",
                "email": f"delegate{i}@nhs.net",
                "job_title": "Information Governance Lead",
                "organisation": "Leeds Teaching Hospitals NHS Trust",
            }
            for i in range(1, delegates + 1)
        ],
        "accept_terms": True,
    }
    data.update(extra)
    return data


def form_fields(data: dict[str, Any], blank_fieldsets: int = 0) -> list[tuple[str, str]]:
    """A booking as the no-JavaScript form posts it, with `blank_fieldsets` empty delegate rows after it."""
    fields: list[tuple[str, str]] = []
    for key, value in data.items():
        if key == "contact":
            fields += [(f"contact[{k}]", v) for k, v in value.items()]
        elif key == "delegates":
            rows = list(value) + [{"name": "", "email": "", "job_title": "", "organisation": ""}] * blank_fieldsets
            for i, d in enumerate(rows):
                fields += [(f"delegates[{i}][{k}]", v) for k, v in d.items()]
        elif key == "accept_terms":
            if value:
                fields.append(("accept_terms", "on"))
        else:
            fields.append((key, str(value)))
    return fields


def form_body(data: dict[str, Any], blank_fieldsets: int = 0) -> str:
    return urlencode(form_fields(data, blank_fieldsets))


JSON_HEADERS = {"content-type": "application/json", "accept": "application/json"}
FORM_HEADERS = {"content-type": "application/x-www-form-urlencoded", "accept": "text/html,application/xhtml+xml"}


def post_json(settings: Settings, data: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    body = data if isinstance(data, (str, bytes)) else json.dumps(data)
    return handle_event(lambda_event("POST", "/api/bookings", body, headers or JSON_HEADERS), settings)


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
def fees_file(tmp_path: Path):
    """Write a variant of the test site's fee table to a tmp file (for sold-out and similar cases)."""

    def write(replace: str = "", by: str = "") -> Path:
        text = FIXTURE_FEES.read_text(encoding="utf-8")
        if replace:
            assert replace in text
            text = text.replace(replace, by)
        path = tmp_path / "fees.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


class HttpResponse:
    def __init__(self, status: int, headers: dict[str, str], body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)


class _NoRedirect(__import__("urllib.request").request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def http(method: str, url: str, body: bytes | str | None = None, headers: dict[str, str] | None = None) -> HttpResponse:
    """One request over loopback; redirects are returned, not followed."""
    import urllib.error
    import urllib.request

    data = body.encode("utf-8") if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return HttpResponse(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
    except urllib.error.HTTPError as error:
        return HttpResponse(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())


# How long the function waits for the stand-in: long enough that a busy machine never times a call out (each retry
# would be one more request than a test counts); the tests of timeouts set their own, shorter.
LIVE_STRIPE_TIMEOUT_SECONDS = 10.0


class LiveFunction:
    """The booking function served over loopback HTTP, talking to a running stand-in with the real SDK."""

    def __init__(self, url: str, standin: Any):
        self.url = url
        self.standin = standin
        self.settings = make_settings(
            site_url=url, stripe_api_base=standin.api_base, stripe_timeout_seconds=LIVE_STRIPE_TIMEOUT_SECONDS
        )

    def configure(self, **overrides: Any) -> None:
        values = {
            "site_url": self.url,
            "stripe_api_base": self.standin.api_base,
            "stripe_timeout_seconds": LIVE_STRIPE_TIMEOUT_SECONDS,
            **overrides,
        }
        self.settings = make_settings(**values)

    def post_json(self, data: Any) -> HttpResponse:
        body = data if isinstance(data, str) else json.dumps(data)
        return http("POST", self.url + "/api/bookings", body, JSON_HEADERS)

    def post_form(self, data: dict[str, Any], blank_fieldsets: int = 0) -> HttpResponse:
        return http("POST", self.url + "/api/bookings", form_body(data, blank_fieldsets), FORM_HEADERS)

    def get(self, path: str) -> HttpResponse:
        return http("GET", self.url + path, headers={"accept": "text/html"})

    def api_requests(self) -> list[Any]:
        return self.standin.requests


@pytest.fixture
def live():
    """A function server and a stand-in that sends its webhooks to it; both stop after the test."""

    from devtools.devserver.lambda_bridge import call_function
    from devtools.devserver.server import serving_in_background
    from devtools.stripe_standin.testing import running_standin
    from tests.secret_codes import PublicAnswers

    lives: list[LiveFunction] = []

    def clock() -> float:  # Stripe's clock is the function's (settings.now), as it is outside tests
        return (lives[0].settings.now() if lives else NOW).timestamp()

    with serving_in_background() as server:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with running_standin(
            webhook_url=url + "/api/stripe-webhook", webhook_secret=WEBHOOK_SECRET, clock=clock
        ) as standin:
            live = LiveFunction(url, standin)
            lives.append(live)
            answers = PublicAnswers()
            function = answers.watch(
                lambda event, ctx: handle_event(event, live.settings), lambda: live.settings.fees_path
            )
            server.set_app(lambda environ, start: call_function(environ, start, function))
            yield live
    # Codes are secrets: no answer of the function names one, whatever the test asked.
    assert answers.leaks() == []


def modules_loaded_by_an_invalid_booking(repo_root, names: tuple[str, ...]) -> list[str]:
    """Which of `names` a fresh process has imported after answering one invalid booking (422)."""
    import subprocess
    import sys

    code = (
        "import json, sys\n"
        "from functions.lambda_handler import handle_event\n"
        "from tests.functions.conftest import make_settings, lambda_event, JSON_HEADERS\n"
        "r = handle_event(lambda_event('POST', '/api/bookings', json.dumps({'event': 'x'}), JSON_HEADERS), make_settings())\n"
        "assert r['statusCode'] == 422, r\n"
        f"print(json.dumps(sorted(m for m in {list(names)!r} if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=repo_root, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)
