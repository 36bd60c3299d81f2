"""Signed links: a small JSON payload sealed with HMAC-SHA256 under a secret from the environment, valid for one
purpose until it expires. Nothing is stored: the link carries what it grants, and only we can have made it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import zlib
from typing import Any

MIN_SECRET_LENGTH = 32
MAX_TOKEN_LENGTH = 60_000  # a 50-delegate booking compresses to well under this
_MAX_PAYLOAD_BYTES = 256 * 1024


class LinkInvalid(ValueError):
    """The link was not made by us for this purpose (altered, cut short, or for something else)."""


class LinkExpired(ValueError):
    """The link was ours, but its time is up."""


def sign(payload: dict[str, Any], *, purpose: str, secret: str, expires_at: int) -> str:
    """A URL-safe token that carries `payload` for `purpose` until `expires_at` (a Unix time)."""
    body = json.dumps({"p": purpose, "e": expires_at, "d": payload}, separators=(",", ":"), ensure_ascii=False)
    sealed = _b64(zlib.compress(body.encode("utf-8"), 9))
    return f"{sealed}.{_b64(_mac(secret, purpose, sealed))}"


def open_link(token: str, *, purpose: str, secret: str, now: float) -> dict[str, Any]:
    """The payload of a token made by `sign` for `purpose`; LinkInvalid or LinkExpired otherwise."""
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise LinkInvalid("not a link of ours")
    sealed, mac = token.split(".")
    try:
        given = _unb64(mac)
    except ValueError:
        raise LinkInvalid("not a link of ours") from None
    if not hmac.compare_digest(given, _mac(secret, purpose, sealed)):
        raise LinkInvalid("not a link of ours")
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(_unb64(sealed), _MAX_PAYLOAD_BYTES)
        body = json.loads(raw.decode("utf-8"))
    except (ValueError, zlib.error):
        raise LinkInvalid("damaged link") from None
    if not isinstance(body, dict) or body.get("p") != purpose or not isinstance(body.get("d"), dict):
        raise LinkInvalid("not a link for this")
    if not isinstance(body.get("e"), int) or now >= body["e"]:
        raise LinkExpired("the link has expired")
    payload: dict[str, Any] = body["d"]
    return payload


def _mac(secret: str, purpose: str, sealed: str) -> bytes:
    # The purpose is part of what is signed, so a link made for one thing never opens another.
    return hmac.new(secret.encode("utf-8"), f"{purpose}\n{sealed}".encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text.isascii():
        raise ValueError("not base64")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
