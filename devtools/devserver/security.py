"""The security headers on the dev server's own answers (its 429, the CMS's local backend): the very set every
answer of the booking function carries, taken from the function so the two cannot drift apart."""

from __future__ import annotations

from functions.http import Response


def security_headers(content_type: str) -> list[tuple[str, str]]:
    """Every header an answer with a body of `content_type` carries, Content-Type included."""
    return list(Response(200, "", {"Content-Type": content_type}).with_security_headers().headers.items())
