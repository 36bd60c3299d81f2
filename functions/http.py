"""The core's view of HTTP: a parsed Request, a Response, and the headers every response carries."""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple
from urllib.parse import parse_qs

# Netlify's [[headers]] only cover files Netlify serves; proxied /api/* responses need their own.
_BASE_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
CSP_JSON = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
# Our HTML pages use only the site's stylesheet and images: no scripts, no inline styles.
CSP_HTML = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


# NamedTuples, not dataclasses, as on the rest of a cold booking's path (booking/life.py says why).
_NO_HEADERS: Mapping[str, str] = MappingProxyType({})


class Request(NamedTuple):
    """One HTTP request as the core sees it; header names are lower-case."""

    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = _NO_HEADERS
    body: bytes = b""
    source_ip: str = ""  # the address the request came from (requestContext.http.sourceIp)

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-case ('' when absent)."""
        return self.header("content-type").split(";", 1)[0].strip().lower()

    def query_param(self, name: str) -> str | None:
        values = parse_qs(self.query, keep_blank_values=True).get(name)
        return values[0] if values else None

    @property
    def wants_json(self) -> bool:
        """True for fetch()/API clients; a browser form post asks for HTML first."""
        if self.content_type == "application/json":
            return "text/html" not in self.header("accept")
        accept = self.header("accept").lower()
        return "application/json" in accept and "text/html" not in accept


class Response(NamedTuple):
    """One HTTP response; `body` is text, or bytes for a document (a quotation's PDF), sent base64-encoded."""

    status: int
    body: str | bytes = ""
    headers: Mapping[str, str] = _NO_HEADERS

    def with_security_headers(self) -> Response:
        is_html = self.headers.get("Content-Type", "").startswith("text/html")
        merged = {**_BASE_SECURITY_HEADERS, "Content-Security-Policy": CSP_HTML if is_html else CSP_JSON}
        merged.update(self.headers)
        return Response(self.status, self.body, merged)


def json_response(status: int, data: Any, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        status,
        json.dumps(data, ensure_ascii=False),
        {"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )


def html_response(status: int, html: str, headers: Mapping[str, str] | None = None) -> Response:
    return Response(status, html, {"Content-Type": "text/html; charset=utf-8", **(headers or {})})


def redirect(location: str) -> Response:
    return Response(303, "", {"Location": location})


# Netlify's proxy sets this to the visitor's address on every request it passes on (the dev server does too).
CLIENT_HEADER = "x-nf-client-connection-ip"


def client_address(request: Request, through_proxy: bool) -> str:
    """The address of whoever sent the request, as far as the function can trust it: Netlify's header when only
    signed proxy requests reach the function (the proxy overwrites it), else the connection's own address."""
    if through_proxy and request.header(CLIENT_HEADER):
        return request.header(CLIENT_HEADER)
    return request.source_ip or "unknown"
