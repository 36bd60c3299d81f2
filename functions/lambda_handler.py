"""The AWS Lambda Function URL adapter (payload 2.0): event dict in, response dict out, the core in between."""

from __future__ import annotations

import base64
import binascii
import logging
import os
from collections.abc import Mapping
from typing import Any

from functions.app import route, unconfigured
from functions.http import Request, Response
from functions.settings import Settings, SettingsError

# Bigger than any body a route accepts: each route answers 413 itself; this only bounds decoding.
MAX_EVENT_BODY = 1024 * 1024


def handler(event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
    """Lambda's entry point: read Settings from the environment here, once per invocation."""
    _ensure_logging()
    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as exc:
        return to_lambda(unconfigured(to_request(event), exc.problems))
    return handle_event(event, settings)


def handle_event(event: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
    """The adapter without the environment: tests and the dev server pass their own Settings."""
    return to_lambda(route(to_request(event), settings))


def to_request(event: Mapping[str, Any]) -> Request:
    http = (event.get("requestContext") or {}).get("http") or {}
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    raw = event.get("body") or ""
    if isinstance(raw, str) and len(raw) > MAX_EVENT_BODY * 2:
        raw = raw[: MAX_EVENT_BODY * 2]  # routes answer 413 on anything this long anyway
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(raw, validate=False)
        except (binascii.Error, ValueError):
            body = b"\xff"  # undecodable: the route reports an unreadable body
    else:
        body = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else bytes(raw)
    return Request(
        method=str(http.get("method") or "GET").upper(),
        path=str(event.get("rawPath") or http.get("path") or "/"),
        query=str(event.get("rawQueryString") or ""),
        headers=headers,
        body=body,
    )


def to_lambda(response: Response) -> dict[str, Any]:
    return {
        "statusCode": response.status,
        "headers": dict(response.headers),
        "body": response.body,
        "isBase64Encoded": False,
    }


def _ensure_logging() -> None:
    # Lambda's runtime installs a handler on the root logger; this only sets the level our lines need.
    if logging.getLogger().level > logging.INFO or logging.getLogger().level == logging.NOTSET:
        logging.getLogger().setLevel(logging.INFO)
