"""Only the site may call the booking endpoints: Netlify's signed proxy rule adds `X-Nf-Sign`, a JWS (HS256) made
with PROXY_SIGNATURE_SECRET, to every request it passes on; a request without a valid one did not come through
the site. Stripe's webhook is exempt: Stripe calls the Function URL directly and signs its own body."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

HEADER = "x-nf-sign"
EXEMPT_PATHS = ("/api/stripe-webhook",)


def signed_by_proxy(token: str, secret: str, now: float) -> bool:
    """Whether `token` is a JWS Netlify made with `secret` (HS256, issuer netlify) that has not expired."""
    parts = token.split(".")
    if len(parts) != 3 or len(token) > 4096:
        return False
    try:
        header = json.loads(_unb64(parts[0]))
        claims = json.loads(_unb64(parts[1]))
        signature = _unb64(parts[2])
    except (ValueError, UnicodeDecodeError):
        return False
    if not isinstance(header, dict) or header.get("alg") != "HS256" or not isinstance(claims, dict):
        return False
    expected = hmac.new(secret.encode("utf-8"), f"{parts[0]}.{parts[1]}".encode("ascii"), hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        return False
    expires = claims.get("exp")
    return claims.get("iss") == "netlify" and isinstance(expires, int | float) and now < expires


def sign_as_proxy(secret: str, now: float, site_url: str = "") -> str:
    """What Netlify's signed proxy sends (the dev server stands in for it): claims as netlify-cli makes them."""
    claims: dict[str, Any] = {"deploy_context": "dev", "site_url": site_url, "iss": "netlify", "exp": int(now) + 300}
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode("utf-8"), f"{header}.{body}".encode("ascii"), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64(signature)}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text.isascii():
        raise ValueError("not base64")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
