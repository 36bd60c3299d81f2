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
    server = LocalBackend(tmp_path)
    assert server.start() is None
    yield server
    server.stop()


def post(backend: LocalBackend, payload: dict) -> tuple[str, dict]:
    body = json.dumps(payload).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/_cms/api/v1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    status: list[str] = []
    answer = b"".join(backend(environ, lambda s, h: status.append(s)))
    return status[0], json.loads(answer)


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
