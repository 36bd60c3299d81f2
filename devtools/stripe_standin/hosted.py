"""What the stand-in's hosted pages (test checkout, test invoice) share: their layout, headers and answers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from html import escape
from typing import Any, Protocol

from devtools.stripe_standin.billing import Billing
from devtools.stripe_standin.coupons import Coupons
from devtools.stripe_standin.refunds import Refunds


class Hosted(Protocol):
    """What the hosted test checkout and test invoice pages ask of the stand-in."""

    @property
    def billing(self) -> Billing: ...

    @property
    def refunds(self) -> Refunds: ...

    @property
    def coupons(self) -> Coupons: ...

    def session(self, session_id: str) -> dict[str, Any]: ...

    def sessions(self) -> list[dict[str, Any]]: ...

    def line_items(self, session_id: str) -> list[dict[str, Any]]: ...

    def complete(self, session_id: str, email: str | None = None) -> dict[str, Any]: ...


BANNER = "Test checkout — no real payment is taken"

SECURITY_HEADERS = [
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Cache-Control", "no-store"),
]


def layout(title: str, content: str, base: str) -> str:
    return (
        '<!doctype html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        f'<link rel="stylesheet" href="{escape(base)}/assets/checkout.css">\n'
        f'<link rel="icon" href="{escape(base)}/assets/favicon.svg" type="image/svg+xml">\n</head>\n<body>\n'
        f'<div class="banner"><p><strong>{BANNER}.</strong> Local Stripe stand-in for development and tests.</p></div>\n'
        f"<main>\n{content}\n</main>\n</body>\n</html>\n"
    )


def redirect(start_response: Callable, location: str) -> Iterable[bytes]:
    start_response("303 See Other", [("Location", location), ("Content-Length", "0"), *SECURITY_HEADERS])
    return []


def send(
    start_response: Callable, status: str, text: str, content_type: str = "text/html; charset=utf-8"
) -> Iterable[bytes]:
    body = text.encode("utf-8")
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body))), *SECURITY_HEADERS])
    return [body]
