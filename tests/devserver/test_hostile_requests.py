"""`python -m devtools.devserver` (what `make dev` runs) against requests an attacker would send: a foreign Host
for the CMS's local backend, a new Host for each booking guess, a body that never arrives."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from devtools.devserver.cms import DECAP_SERVER
from functions.http import Response
from tests.functions.conftest import JSON_HEADERS, booking, http

SECURITY = dict(Response(200, "", {"Content-Type": "text/plain"}).with_security_headers().headers)
del SECURITY["Content-Type"]
SECURITY.pop("Content-Security-Policy")  # per content type; checked on its own below


def _has_security_headers(headers: dict[str, str]) -> bool:
    return {k.lower(): v for k, v in SECURITY.items()}.items() <= headers.items() and bool(
        headers.get("content-security-policy")
    )


def test_a_new_host_header_does_not_buy_a_new_allowance(site, start_devserver):
    server = start_devserver(site, None, "--rate-limit", "2")
    port = server.url.rsplit(":", 1)[1]
    hosts = [f"127.0.0.1:{port}", f"localhost:{port}", "attacker.example", "guess-3.attacker.example"]
    answers = [
        http("POST", server.url + "/api/bookings", json.dumps(booking(n)), {**JSON_HEADERS, "Host": host})
        for n, host in enumerate(hosts, 1)
    ]
    assert [a.status for a in answers] == [201, 201, 429, 429]
    # The 429 carries the security headers every answer of the function carries.
    assert _has_security_headers(answers[0].headers) and _has_security_headers(answers[2].headers)
    assert answers[2].headers["cache-control"] == "no-store"


def test_a_body_that_never_arrives_is_dropped_and_the_server_goes_on(site, start_devserver):
    server = start_devserver(site)
    port = int(server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as stalled:
        stalled.settimeout(60)  # far longer than the server waits: without its own timeout this read would fail
        stalled.sendall(
            b"POST /api/bookings HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100000\r\n\r\n{"event": '
        )
        answer = b""
        while chunk := stalled.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.0 408 ") and b"did not arrive in time" in answer
    assert http("GET", server.url + "/").status == 200
    assert "did not arrive in time" in server.log()


def test_a_request_line_that_never_ends_is_dropped(site, start_devserver):
    server = start_devserver(site)
    port = int(server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as stalled:
        stalled.settimeout(60)
        stalled.sendall(b"GET /index.ht")
        assert stalled.recv(65536) == b""  # closed by the server, not by this client's timeout


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    if not DECAP_SERVER.is_file():
        reason = "node_modules/decap-server is missing: run `npm ci`"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason)
        pytest.skip(reason)
    root = tmp_path / "repository"
    (root / "content" / "events").mkdir(parents=True)
    (root / "content" / "fees.yaml").write_text("codes:\n  SECRET-CODE-1: {percent: 100}\n", encoding="utf-8")
    return root


def test_the_cms_backend_answers_only_its_own_address(site, start_devserver, repository: Path):
    server = start_devserver(site, None, "--content", str(repository / "content"))
    assert "Editor (CMS):" in server.banner and "off:" not in server.banner
    own = server.url.removeprefix("http://")
    read = json.dumps({"action": "getEntry", "params": {"branch": "main", "path": "content/fees.yaml"}})
    write = json.dumps(
        {
            "action": "persistEntry",
            "params": {
                "branch": "main",
                "entry": {"slug": "x", "path": "content/events/x.md", "raw": "Title: x\n"},
                "assets": [],
                "options": {"commitMessage": "CMS", "useWorkflow": False, "status": "draft"},
            },
        }
    )
    for headers in (
        {"Host": "attacker.example", "Origin": "http://attacker.example"},
        {"Host": own, "Origin": "http://attacker.example"},
        {"Host": own},
    ):
        for body in (read, write):
            refused = http("POST", server.url + "/_cms/api/v1", body, {"Content-Type": "application/json", **headers})
            assert refused.status == 403 and b"SECRET-CODE-1" not in refused.body
            assert _has_security_headers(refused.headers)
    assert not (repository / "content" / "events" / "x.md").exists()

    mine = {"Content-Type": "application/json", "Origin": server.url}
    answered = http("POST", server.url + "/_cms/api/v1", read, mine)
    assert answered.status == 200 and "SECRET-CODE-1" in answered.json()["data"]
    assert _has_security_headers(answered.headers)
    outside = write.replace("content/events/x.md", "Makefile")
    assert http("POST", server.url + "/_cms/api/v1", outside, mine).status == 403
    assert not (repository / "Makefile").exists()
    assert http("POST", server.url + "/_cms/api/v1", write, mine).status == 200
    assert (repository / "content" / "events" / "x.md").read_text(encoding="utf-8") == "Title: x\n"
