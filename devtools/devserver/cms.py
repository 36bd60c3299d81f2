"""The CMS under `make dev`: Decap's local backend (decap-server) behind /_cms/, and a rebuild after each change.

decap-server listens on a free loopback port and is reached through the dev server's own origin, so
/admin/ runs under the same Content-Security-Policy as on Netlify. A change to content/ (a CMS save
or a hand edit) rebuilds the site into a fresh folder that replaces output/ only when the build
passes; a refused build's `file: field: message` lines are printed and shown on every page instead.
"""

from __future__ import annotations

import html
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path

from devtools.devserver.security import security_headers

CMS_PREFIX = "/_cms"
ROOT = Path(__file__).resolve().parents[2]
DECAP_SERVER = ROOT / "node_modules" / "decap-server" / "dist" / "index.js"
_MAX_BODY = 50 * 1024 * 1024  # an image upload, base64 in JSON
log = logging.getLogger("devserver.cms")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalBackend:
    """decap-server (MODE=fs: saves write the working tree, nothing is committed) for one repository folder.

    Reached only from the dev server's own pages: a request whose Host or Origin is not one of `hosts` (the dev
    server's loopback address) gets 403, so a web page elsewhere cannot use it, not even through DNS rebinding
    (its requests name the attacker's host). Every file it reads or writes must lie under `content`."""

    def __init__(self, repository: Path, content: Path | None = None, hosts: Iterable[str] = ()):
        self.repository = repository.resolve()
        self.content = (content or self.repository / "content").resolve()
        self.hosts = frozenset(hosts)
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> str | None:
        """Start decap-server and wait until it answers; None when started, else why not."""
        node = shutil.which("node")
        if node is None or not DECAP_SERVER.is_file():
            return "the CMS's local backend needs Node.js and `npm ci` (node_modules/decap-server is missing)"
        self.port = _free_port()
        env = {
            **os.environ,
            "PORT": str(self.port),
            "BIND_HOST": "127.0.0.1",
            "MODE": "fs",
            "GIT_REPO_DIRECTORY": str(self.repository),
            "LOG_LEVEL": "warn",
        }
        self.process = subprocess.Popen([node, str(DECAP_SERVER)], env=env, cwd=self.repository)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return f"decap-server stopped at once (exit status {self.process.returncode})"
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return None
            except OSError:
                time.sleep(0.1)
        self.stop()
        return "decap-server did not start within 20 s"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """Forward POST /_cms/api/v1 to decap-server and answer with what it says."""
        host = environ.get("HTTP_HOST", "")
        if host not in self.hosts or environ.get("HTTP_ORIGIN", "") != f"http://{host}":
            log.warning("CMS backend: refused a request that did not come from the dev server's own pages")
            return _answer(
                start_response, 403, "The CMS's local backend answers only the editor at /admin/ on this server.\n"
            )
        if self.process is None or environ.get("REQUEST_METHOD") != "POST":
            return _answer(
                start_response, 404, "The CMS's local backend is not running: see the dev server's output.\n"
            )
        try:
            length = min(max(int(environ.get("CONTENT_LENGTH") or 0), 0), _MAX_BODY)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(length) if length else b""
        outside = self._outside_content(body)
        if outside:
            log.warning("CMS backend: refused a %s outside %s", outside, self.content.name)
            return _answer(start_response, 403, f"The CMS may only read and write files under {self.content.name}/.\n")
        path = environ.get("PATH_INFO", "")[len(CMS_PREFIX) :] or "/"
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=body,
            method="POST",
            headers={"Content-Type": environ.get("CONTENT_TYPE") or "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                status, content_type, data = answer.status, answer.headers.get("Content-Type", ""), answer.read()
        except urllib.error.HTTPError as exc:
            status, content_type, data = exc.code, exc.headers.get("Content-Type", ""), exc.read()
        except OSError as exc:
            status, content_type, data = 502, "text/plain; charset=utf-8", f"decap-server: {exc}\n".encode()
        start_response(
            f"{status} {'OK' if status < 400 else 'Error'}",
            [*security_headers(content_type or "application/json"), ("Content-Length", str(len(data)))],
        )
        return [data]

    def _outside_content(self, body: bytes) -> str:
        """ "" when every file the request names lies under the content folder, else what it would do outside."""
        try:
            request = json.loads(body)
            action, params = request.get("action"), request.get("params") or {}
            for relative in _files_named(action, params):
                target = (self.repository / relative).resolve() if isinstance(relative, str) and relative else None
                if target is None or target == self.content or not target.is_relative_to(self.content):
                    return f"{action} request"
        except (ValueError, AttributeError, TypeError, KeyError, OSError):
            return "request it could not read"  # decap-server would refuse it too; nothing passes unchecked
        return ""


# What each of decap-server's actions reads or writes (decap-server/src/middlewares/localFs): every path, folder
# and new name in its parameters. An action not listed here names no file ("info", "getDeployPreview").
def _files_named(action: object, params: dict) -> list[object]:
    if action == "persistEntry":
        files = [params.get("entry"), *(params.get("dataFiles") or [])]
        named = [f.get(key) for f in files if f is not None for key in ("path", "newPath") if key in f]
        return named + [asset.get("path") for asset in params.get("assets") or []]
    if action == "persistMedia":
        return [params["asset"]["path"]]
    if action in ("deleteFile", "getEntry", "getMediaFile"):
        return [params["path"]]
    if action == "deleteFiles":
        return list(params["paths"])
    if action == "entriesByFolder":
        return [params["folder"]]
    if action == "entriesByFiles":
        return [f["path"] for f in params["files"]]
    if action == "getMedia":
        return [params["mediaFolder"]]
    return []


def _answer(start_response: Callable, status: int, text: str) -> Iterable[bytes]:
    body = text.encode()
    reason = {403: "Forbidden", 404: "Not Found"}[status]
    start_response(
        f"{status} {reason}", [*security_headers("text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    found = {}
    for path in folder.rglob("*"):
        try:
            stat = path.stat()
        except OSError:
            continue
        if path.is_file():
            found[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return found


class Rebuilder:
    """Watches the content folder and rebuilds the site after a change; remembers why the last build failed."""

    def __init__(self, content: Path, output: Path, settings: Path, poll_seconds: float = 0.4):
        self.content = content.resolve()
        self.output = output.resolve()
        self.settings = settings
        self.poll_seconds = poll_seconds
        self.problems = ""  # what the last refused build said; "" after a good build
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="rebuilder", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _watch(self) -> None:
        seen = _snapshot(self.content)
        while not self._stop.wait(self.poll_seconds):
            now = _snapshot(self.content)
            if now == seen:
                continue
            # Let a save that writes several files finish before building once.
            while not self._stop.wait(self.poll_seconds) and (later := _snapshot(self.content)) != now:
                now = later
            seen = now
            self.rebuild()

    def rebuild(self) -> bool:
        """Build into a fresh folder and put it in place of output/ only if the build passed."""
        staging = self.output.with_name(self.output.name + ".next")
        shutil.rmtree(staging, ignore_errors=True)
        print(f"devserver: {self._shown(self.content)}/ changed: rebuilding the site…", flush=True)
        started = time.monotonic()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pelican",
                str(self.content),
                "--settings",
                str(self.settings),
                "--output",
                str(staging),
            ],
            capture_output=True,
            text=True,
            cwd=Path.cwd(),
        )
        if result.returncode != 0:
            self.problems = refusal(result.stdout + result.stderr)
            shutil.rmtree(staging, ignore_errors=True)
            print(
                f"devserver: the site was NOT rebuilt; the last good build is still served.\n{self.problems}",
                flush=True,
            )
            return False
        old = self.output.with_name(self.output.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.output.exists():
            self.output.rename(old)
        staging.rename(self.output)
        shutil.rmtree(old, ignore_errors=True)
        self.problems = ""
        print(f"devserver: site rebuilt in {time.monotonic() - started:.1f} s", flush=True)
        return True

    @staticmethod
    def _shown(path: Path) -> str:
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)


def refusal(output: str) -> str:
    """The build's own explanation: from "The site was not built" on, else the end of what it printed."""
    lines = output.strip().splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("The site was not built")), None)
    return "\n".join(lines[start:] if start is not None else lines[-20:])


def refusal_page(problems: str) -> bytes:
    """What every page shows while the last change is refused, so the organiser sees why at once."""
    lines = problems.splitlines()
    head, rest = (lines[0], lines[1:]) if lines and lines[0].startswith("The site was not built") else ("", lines)
    items = "".join(f"<li><code>{html.escape(line)}</code></li>" for line in rest if line.strip())
    return f"""<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>The site was not rebuilt</title><link rel="stylesheet" href="/theme/css/site.css"></head>
<body><main class="wrap" id="main">
<h1>The site was not rebuilt</h1>
<p>{html.escape(head or "The build stopped:")}</p>
<ul>{items}</ul>
<p>Fix this in the editor at <a href="/admin/">/admin/</a> (or in the file), save, and this page shows the site again.
Until then visitors of the live site would keep seeing the last good version.</p>
</main></body></html>
""".encode()
