"""WSGI request -> Lambda Function URL event (payload 2.0) -> functions.lambda_handler.handler -> WSGI response."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from functions.lambda_handler import MAX_EVENT_BODY, handler


def _read_body(environ: dict) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    # Read at most a little more than any route accepts: the route itself answers 413.
    return environ["wsgi.input"].read(min(max(length, 0), MAX_EVENT_BODY + 1)) if length > 0 else b""


def to_event(environ: dict) -> dict[str, Any]:
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").lower()] = value
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    if environ.get("CONTENT_LENGTH"):
        headers["content-length"] = environ["CONTENT_LENGTH"]
    body = _read_body(environ)
    try:
        text, is_base64 = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, is_base64 = base64.b64encode(body).decode("ascii"), True
    path = quote(environ.get("PATH_INFO", "/").encode("latin-1"), safe="/:@!$&'()*+,;=-._~")
    method = environ.get("REQUEST_METHOD", "GET")
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": environ.get("QUERY_STRING", ""),
        "headers": headers,
        "requestContext": {
            "http": {
                "method": method,
                "path": path,
                "protocol": environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "sourceIp": environ.get("REMOTE_ADDR", "127.0.0.1"),
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "timeEpoch": int(time.time() * 1000),
        },
        "body": text,
        "isBase64Encoded": is_base64,
    }


def call_function(environ: dict, start_response, function: Callable[[dict, Any], dict] = handler) -> Iterable[bytes]:
    """Serve one request with `function` (production's handler unless a test passes its own)."""
    result = function(to_event(environ), None)
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    status = int(result["statusCode"])
    headers = [(k, str(v)) for k, v in (result.get("headers") or {}).items() if k.lower() != "content-length"]
    headers.append(("Content-Length", str(len(data))))
    start_response(f"{status} {HTTPStatus(status).phrase}", headers)
    return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else data]
