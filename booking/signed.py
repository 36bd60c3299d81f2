"""Signed, expiring tokens for links that grant something (no database holds a secret per booking).

A token is `<payload>.<signature>`, both base64url: the payload is JSON holding the data, the purpose and
the expiry; the signature is HMAC-SHA256 under a key derived from the secret for that purpose alone, so a
token made for one purpose is refused for every other.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

MAX_TOKEN_LENGTH = 2_000
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


class BadSignature(ValueError):
    """The token was not made by us for this purpose (tampered, truncated, or for another purpose)."""


class Expired(BadSignature):
    """The token is ours and intact, but its time is up."""


def sign(data: Mapping[str, Any], purpose: str, secret: str, expires: datetime) -> str:
    """A token carrying `data` for `purpose`, valid until `expires` (an aware datetime)."""
    body = json.dumps(
        {"d": dict(data), "p": purpose, "exp": int(expires.timestamp())},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )
    payload = _encode(body.encode("utf-8"))
    return f"{payload}.{_encode(_mac(payload, purpose, secret))}"


def unsign(token: str, purpose: str, secret: str, now: datetime) -> dict[str, Any]:
    """The data of a token made by `sign` for `purpose`; BadSignature or Expired otherwise."""
    if not secret:
        raise BadSignature("no secret to check the token with")
    if len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise BadSignature("not a token")
    payload, signature = token.split(".")
    try:
        given = _decode(signature)
        body = json.loads(_decode(payload).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise BadSignature("not a token") from None
    if not hmac.compare_digest(given, _mac(payload, purpose, secret)):
        raise BadSignature("signature does not match")
    if not isinstance(body, dict) or body.get("p") != purpose or not isinstance(body.get("d"), dict):
        raise BadSignature("not a token for this purpose")
    expires = body.get("exp")
    if not isinstance(expires, int) or now.timestamp() >= expires:
        raise Expired("the token has expired")
    return body["d"]  # type: ignore[no-any-return]  # checked to be a dict above


def _mac(payload: str, purpose: str, secret: str) -> bytes:
    key = hmac.new(secret.encode("utf-8"), f"booking-link:{purpose}".encode(), hashlib.sha256).digest()
    return hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest()


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    if not _BASE64URL.fullmatch(text):  # the decoder would skip stray characters; a token has none
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
