"""Decap's local backend under the dev server: reached through the dev server's own origin, bound to loopback,
writing the repository folder it was given, and gone when it is stopped."""

from __future__ import annotations

import io
import json
import os
import socket
from pathlib import Path

import pytest

from devtools.devserver.cms import DECAP_SERVER, LocalBackend, refusal


@pytest.fixture
def backend(tmp_path: Path):
    if not DECAP_SERVER.is_file():
        reason = "node_modules/decap-server is missing: run `npm ci`"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason)
        pytest.skip(reason)
    (tmp_path / "content" / "events").mkdir(parents=True)
    (tmp_path / "Makefile").write_text("all:\n", encoding="utf-8")
    server = LocalBackend(tmp_path, tmp_path / "content", hosts=(OWN_HOST,))
    assert server.start() is None
    yield server
    server.stop()


OWN_HOST = "127.0.0.1:8000"


def send(
    backend: LocalBackend, payload: dict, host: str = OWN_HOST, origin: str | None = f"http://{OWN_HOST}"
) -> tuple[str, dict[str, str], bytes]:
    body = json.dumps(payload).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/_cms/api/v1",
        "HTTP_HOST": host,
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    if origin is not None:
        environ["HTTP_ORIGIN"] = origin
    answer: list = []
    data = b"".join(backend(environ, lambda s, h: answer.extend([s, dict(h)])))
    return answer[0], answer[1], data


def post(backend: LocalBackend, payload: dict) -> tuple[str, dict]:
    status, _, answer = send(backend, payload)
    return status, json.loads(answer)


def test_a_save_writes_the_repository_folder_and_stopping_closes_the_port(backend, tmp_path: Path) -> None:
    status, info = post(backend, {"action": "info"})
    assert status.startswith("200") and info["repo"] == tmp_path.name
    text = "Title: A new event\n\nAbout it.\n"
    entry = {"slug": "a-new-event", "path": "content/events/a-new-event.md", "raw": text}
    options = {"commitMessage": "CMS: add events a-new-event", "useWorkflow": False, "status": "draft"}
    params = {"branch": "main", "entry": entry, "assets": [], "options": options}
    status, _ = post(backend, {"action": "persistEntry", "params": params})
    assert status.startswith("200")
    assert (tmp_path / "content" / "events" / "a-new-event.md").read_text(encoding="utf-8") == text
    port = backend.port
    backend.stop()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), 1):
        pass


def test_a_refused_build_is_reported_in_its_own_words() -> None:
    output = "WARNING: something\nThe site was not built: fix 1 problem\ncontent/events/x.md: ends: must be later\n"
    assert refusal(output) == "The site was not built: fix 1 problem\ncontent/events/x.md: ends: must be later"


def persist(path: str, text: str = "Title: x\n") -> dict:
    entry = {"slug": "x", "path": path, "raw": text}
    options = {"commitMessage": "CMS", "useWorkflow": False, "status": "draft"}
    return {"action": "persistEntry", "params": {"branch": "main", "entry": entry, "assets": [], "options": options}}


@pytest.mark.parametrize(
    ("host", "origin"),
    [
        ("attacker.example", "http://attacker.example"),  # DNS rebinding: the page and the Host are the attacker's
        ("attacker.example:8000", f"http://{OWN_HOST}"),
        (OWN_HOST, "http://attacker.example"),  # another site's page posting to this server
        (OWN_HOST, None),  # no Origin: not the editor (a browser always sends one with a POST)
        (OWN_HOST, "null"),
        ("127.0.0.1:8001", "http://127.0.0.1:8001"),  # another port is another server
    ],
)
def test_a_request_not_from_the_dev_servers_own_pages_is_refused(backend, tmp_path: Path, host, origin) -> None:
    for payload in (
        {"action": "entriesByFiles", "params": {"files": [{"path": "content/fees.yaml"}]}},
        persist("content/events/x.md"),
    ):
        status, headers, body = send(backend, payload, host, origin)
        assert status.startswith("403") and b"only the editor" in body
        assert headers["X-Content-Type-Options"] == "nosniff" and "Content-Security-Policy" in headers
    assert not (tmp_path / "content" / "events" / "x.md").exists()


@pytest.mark.parametrize(
    "payload",
    [
        persist("Makefile", "all:\n\techo owned\n"),
        persist("content/../Makefile"),
        persist("/content/events/x.md"),
        persist("content"),
        {
            "action": "persistMedia",
            "params": {"asset": {"path": "functions/x.py", "content": "eA==", "encoding": "base64"}},
        },
        {"action": "deleteFile", "params": {"path": "Makefile"}},
        {"action": "deleteFiles", "params": {"paths": ["content/events/a.md", "Makefile"]}},
        {"action": "getEntry", "params": {"path": "Makefile"}},
        {"action": "entriesByFolder", "params": {"folder": ".", "extension": "md", "depth": 1}},
        {"action": "persistEntry", "params": "not an object"},
    ],
)
def test_nothing_outside_content_is_read_or_written(backend, tmp_path: Path, payload) -> None:
    status, headers, body = send(backend, payload)
    assert status.startswith("403") and b"under content/" in body
    assert headers["Cache-Control"] == "no-store"
    assert (tmp_path / "Makefile").read_text(encoding="utf-8") == "all:\n"
    assert not (tmp_path / "functions").exists()


def test_its_answers_carry_the_same_security_headers_as_the_functions(backend) -> None:
    from functions.http import Response

    status, headers, _ = send(backend, {"action": "info"})
    assert status.startswith("200")
    expected = Response(200, "", {"Content-Type": headers["Content-Type"]}).with_security_headers().headers
    assert {name: headers.get(name) for name in expected} == dict(expected)
