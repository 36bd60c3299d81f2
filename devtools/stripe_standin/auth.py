"""Which API key a request carries: Bearer (the SDK) or Basic (curl -u key:); anything but a test key is a 401."""

from __future__ import annotations

import base64
from typing import Any

from devtools.stripe_standin.errors import StripeAPIError


def api_key(environ: dict[str, Any], prefix: str) -> str:
    header = environ.get("HTTP_AUTHORIZATION", "")
    if not header:
        raise StripeAPIError(
            "You did not provide an API key. You need to provide your API key in the Authorization header, "
            "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
            status=401,
        )
    scheme, _, key = header.partition(" ")
    key = key.strip()
    if scheme.lower() == "basic":
        try:
            key = base64.b64decode(key, validate=True).decode("utf-8").partition(":")[0]
        except (ValueError, UnicodeDecodeError):
            key = ""
    elif scheme.lower() != "bearer":
        key = ""
    if not key.startswith(prefix) or len(key) <= len(prefix):
        shown = f"{key[:8]}****{key[-4:]}" if len(key) > 12 else "****"
        raise StripeAPIError(f"Invalid API Key provided: {shown}", status=401, code="api_key_invalid")
    return key
