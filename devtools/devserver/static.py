"""Serving the built site from output/ the way Netlify does: index.html for folders, 404.html for misses."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote

from devtools.devserver.netlify_headers import headers_for

# The site's own types, whatever the machine's mime.types says.
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".ics": "text/calendar; charset=utf-8",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".yml": "text/yaml; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".webmanifest": "application/manifest+json",
    ".pdf": "application/pdf",
}


def content_type(path: Path) -> str:
    return _TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def static_headers(url_path: str, file: Path | None, status: int) -> list[tuple[str, str]]:
    """Every header a static response carries: netlify.toml's [[headers]] rules, as on Netlify."""
    headers = {"Content-Type": content_type(file)} if file is not None else {}
    headers.update(headers_for(url_path))
    if file is None:
        headers.pop("Content-Type", None)
    return list(headers.items())


def resolve(root: Path, url_path: str) -> tuple[int, Path | None, str | None]:
    """(status, file to send, redirect location) for a URL path, never escaping `root`."""
    relative = unquote(url_path, errors="strict").lstrip("/")
    candidate = (root / relative).resolve()
    if candidate != root and root not in candidate.parents:
        return 404, _not_found(root), None
    if candidate.is_dir():
        if not url_path.endswith("/"):
            return 301, None, url_path + "/"
        candidate = candidate / "index.html"
    if candidate.is_file():
        return 200, candidate, None
    return 404, _not_found(root), None


def _not_found(root: Path) -> Path | None:
    page = root / "404.html"
    return page if page.is_file() else None


def serve(root: Path, environ: dict, start_response) -> Iterable[bytes]:
    url_path = environ.get("PATH_INFO") or "/"
    method = environ.get("REQUEST_METHOD", "GET")
    if method not in ("GET", "HEAD"):
        start_response(
            "405 Method Not Allowed", [("Allow", "GET, HEAD"), ("Content-Type", "text/plain; charset=utf-8")]
        )
        return [b"Method not allowed\n"]
    try:
        status, file, location = resolve(root, url_path)
    except (UnicodeDecodeError, ValueError, OSError):
        status, file, location = 404, _not_found(root), None
    if location is not None:
        query = environ.get("QUERY_STRING")
        start_response("301 Moved Permanently", [("Location", location + (f"?{query}" if query else ""))])
        return [b""]
    headers = static_headers(url_path, file, status)
    body = file.read_bytes() if file is not None else b"Not found\n"
    if file is None:
        headers.append(("Content-Type", "text/plain; charset=utf-8"))
    headers.append(("Content-Length", str(len(body))))
    start_response("200 OK" if status == 200 else "404 Not Found", headers)
    return [b"" if method == "HEAD" else body]
