"""Routing: which core handler answers which path, and the guarantees every answer keeps (headers, no tracebacks)."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable

from functions import pages
from functions.http import Request, Response, html_response, json_response
from functions.proxy import EXEMPT_PATHS, HEADER, signed_by_proxy
from functions.settings import Settings

log = logging.getLogger("booking.functions.app")
Handler = Callable[[Request, Settings], Response]


# path -> (methods, "module:function"), methods separated by spaces: only the matched route's module is
# imported, so an invalid booking does not load the confirmation/e-mail/webhook code (nor Stripe).
ROUTES: dict[str, tuple[str, str]] = {
    "/api/bookings": ("POST", "functions.bookings:handle_booking"),
    "/api/stripe-webhook": ("POST", "functions.webhook:handle_webhook"),
    "/api/bookings/confirmation": ("GET", "functions.confirmation:handle_confirmation"),
    "/api/bookings/invoice": ("GET", "functions.invoice_confirmation:handle_invoice_confirmation"),
    "/api/bookings/invoice/requested": ("GET", "functions.invoice_request:handle_requested"),
    "/api/bookings/invoice/confirm": ("GET POST", "functions.invoice_request:handle_confirm"),
    "/api/bookings/manage": ("GET POST", "functions.manage:handle_manage"),
    "/api/bookings/quote": ("GET POST", "functions.quotes:handle_quote"),
    "/api/bookings/po": ("GET POST", "functions.quotes:handle_po"),
}


def handler_for(target: str) -> Handler:
    module, name = target.split(":")
    handler: Handler = getattr(importlib.import_module(module), name)
    return handler


def _plain(
    request: Request,
    status: int,
    title: str,
    message: str,
    headers: dict[str, str] | None = None,
    show_contact: bool = False,
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
        response = _plain(
            request,
            500,
            "Something went wrong",
            "Something went wrong on our side and nothing was booked or charged. Please try again in a few minutes.",
            show_contact=True,
        )
    return response.with_security_headers()


def _dispatch(request: Request, settings: Settings) -> Response:
    path = request.path.rstrip("/") or "/"
    if path not in ROUTES:
        return _plain(request, 404, "Page not found", "There is nothing at this address.")
    if _not_through_the_site(request, path, settings):
        log.warning("request to %s not through the site refused", path)
        return _plain(request, 403, "Not available at this address", "Book from the event's page on our website.")
    methods, target = ROUTES[path]
    allowed = methods.split()
    if request.method not in allowed:
        only = " or ".join(allowed)
        return _plain(
            request, 405, "Not allowed", f"This address only accepts {only} requests.", {"Allow": ", ".join(allowed)}
        )
    return handler_for(target)(request, settings)


def _not_through_the_site(request: Request, path: str, settings: Settings) -> bool:
    if not settings.proxy_secret or path in EXEMPT_PATHS:
        return False
    return not signed_by_proxy(request.header(HEADER), settings.proxy_secret, settings.now().timestamp())


def unconfigured(request: Request, problems: list[str]) -> Response:
    """The deployment is missing its secrets: say so plainly (503) and log what is missing."""
    log.error("the function is not configured: %s", "; ".join(problems))
    return _plain(
        request,
        503,
        "Online booking is not available",
        "Online booking is not available just now. Please try again later.",
        show_contact=True,
    ).with_security_headers()
