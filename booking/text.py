"""What a person may type into the booking form: Unicode NFC, trimmed, no control or text-direction characters,
something visible; e-mail addresses only where the mailer can deliver them (IDNA domains; SMTPUTF8 when allowed)."""

from __future__ import annotations

import unicodedata
from typing import Any

from pydantic import ValidationInfo
from pydantic_core import PydanticCustomError

# Explicit embedding, override and isolate characters: they can make "Ann" display as something else.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Letters that render as nothing (Hangul fillers, the braille blank).
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
SMTPUTF8_CONTEXT = "smtputf8"  # validation context key: the mail server accepts non-ASCII local parts


def normalise(value: Any) -> Any:
    """NFC, before the length limits count characters."""
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def checked(value: str) -> str:
    """Refuse text that cannot be stored, printed or shown as typed (pydantic error types the messages name)."""
    for ch in value:
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs"):
            raise PydanticCustomError("control_characters", "control characters")
        if ch in BIDI_CONTROLS:
            raise PydanticCustomError("bidi_characters", "text-direction characters")
    if value and not visible(value):
        raise PydanticCustomError("nothing_visible", "nothing visible")
    return value


def visible(value: str) -> bool:
    """Whether any character draws something (not a space, format character, lone mark or blank letter)."""
    return any(unicodedata.category(ch)[0] not in "ZCM" and ch not in _BLANK_LETTERS for ch in value)


def checked_lines(value: str) -> str:
    """A multi-line value (a postal address): each line checked, blank lines dropped, lines joined by \\n."""
    lines = [line.strip() for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(checked(line) for line in lines if line)


def deliverable_email(value: str, info: ValidationInfo) -> str:
    """The address as the mailer will deliver it: domain in Unicode (sent as IDNA), lower case (a local part
    outside ASCII keeps its case: only its server knows whether case matters).

    A local part outside ASCII needs SMTPUTF8, which only some mail servers offer: it is accepted only when the
    validation context says the server does (functions.settings: MAIL_SMTPUTF8).
    """
    from email_validator import EmailNotValidError, validate_email

    smtputf8 = bool((info.context or {}).get(SMTPUTF8_CONTEXT))
    try:
        found = validate_email(value, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        raise PydanticCustomError("value_error", "not an e-mail address") from None
    if not found.local_part.isascii() and not smtputf8:
        raise PydanticCustomError("email_needs_smtputf8", "local part outside ASCII")
    return _canonical(found.local_part, found.domain)


def _canonical(local: str, domain: str) -> str:
    local = local.lower() if local.isascii() else local
    return f"{local}@{domain.lower()}"


def canonical_address(address: str) -> str:
    """The address as validation stores it (`deliverable_email`: case folded, the domain in Unicode, so
    `Priya.Shah@NHS.net` and `juergen@xn--mnchen-3ya.de` match what a booking holds); text that is not an
    address comes back trimmed and in lower case, so it still matches itself."""
    from email_validator import EmailNotValidError, validate_email

    try:
        found = validate_email(address.strip(), check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        return unicodedata.normalize("NFC", address.strip()).lower()
    return _canonical(found.local_part, found.domain)


def ascii_address(address: str) -> str | None:
    """The address with its domain in IDNA (`juergen@xn--mnchen-3ya.de`); None when the local part is not ASCII."""
    from email_validator import EmailNotValidError, validate_email

    try:
        found = validate_email(address, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        return None
    return f"{found.local_part}@{found.ascii_domain}" if found.local_part.isascii() else None
