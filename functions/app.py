"""Routing: which core handler answers which path, and the guarantees every answer keeps (headers, no tracebacks)."""

from __future__ import annotations

import json
import logging
from typing import Callable

from functions import pages
from functions.http import Request, Response, html_response, json_response
from functions.settings import Settings

log = logging.getLogger("functions")
Handler = Callable[[Request, Settings], Response]


def _routes() -> dict[str, tuple[str, Handler]]:
    from functions.bookings import handle_booking
    from functions.confirmation import handle_confirmation
    from functions.invoice_confirmation import handle_invoice_confirmation
    from functions.webhook import handle_webhook

    return {
        "/api/bookings": ("POST", handle_booking),
        "/api/stripe-webhook": ("POST", handle_webhook),
        "/api/bookings/confirmation": ("GET", handle_confirmation),
        "/api/bookings/invoice": ("GET", handle_invoice_confirmation),
    }


def _plain(
    request: Request, status: int, title: str, message: str,
    headers: dict[str, str] | None = None, show_contact: bool = False,
) -> Response:
    if request.wants_json or request.path.startswith("/api/stripe-webhook"):
        return json_response(status, {"errors": [{"field": "request", "message": message}]}, headers)
    return html_response(status, pages.message_page(title, message, show_contact=show_contact), headers)


def route(request: Request, settings: Settings) -> Response:
    """Answer one request; always with security headers, never with a traceback."""
    try:
        response = _dispatch(request, settings)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        response = _plain(request, 500, "Something went wrong", "Something went wrong on our side and nothing was booked or charged. Please try again in a few minutes.", show_contact=True)
    return response.with_security_headers()


def _dispatch(request: Request, settings: Settings) -> Response:
    path = request.path.rstrip("/") or "/"
    routes = _routes()
    if path not in routes:
        return _plain(request, 404, "Page not found", "There is nothing at this address.")
    method, handler = routes[path]
    if request.method != method:
        return _plain(request, 405, "Not allowed", f"This address only accepts {method} requests.", {"Allow": method})
    return handler(request, settings)


def unconfigured(request: Request, problems: list[str]) -> Response:
    """The deployment is missing its secrets: say so plainly (503) and log what is missing."""
    log.error(json.dumps({"msg": "function_not_configured", "problems": problems}))
    return _plain(
        request, 503, "Online booking is not available",
        "Online booking is not available just now. Please try again later.", show_contact=True,
    ).with_security_headers()
