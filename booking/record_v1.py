"""The first record format, read only: hand-made text in metadata ("Name <email> | job | org").

Bookings made before the record became versioned JSON (booking.record) still carry it; `read` turns one
into today's record, and `KEYS` names what it wrote so that an update in today's format removes it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from booking import record

_ENTRY = re.compile(r"^(?P<name>.*?) <(?P<email>[^<>\s]+@[^<>\s]+)>(?: \| (?P<rest>.*))?$", re.DOTALL)
_PACKED = re.compile(r"^(?P<email>[^\s()]+@[^\s()]+) \((?P<name>.*)\)$", re.DOTALL)
_AMOUNT = re.compile(r"^(\d{1,9})\+(\d{1,9})$")
_PLAIN_KEYS = ("category", "payment", "delegates", "amounts", "contact", "purchase_order")
_STATE_KEYS = ("fulfilled_at", "confirmation_sent")


def is_v1_key(key: str) -> bool:
    """Whether the first format wrote this key (beyond the reference and event, which today's keeps)."""
    return key in _PLAIN_KEYS or key in _STATE_KEYS or re.fullmatch(r"delegates?_\d+", key) is not None


def _blank(text: str) -> str:
    return "" if text.strip() in ("", "-") else text.strip()


def _attendee(entry: str) -> record.Attendee:
    """'Name <email> | job | org' (both slots kept, '-' for empty) or the packed 'email (Name)'."""
    match = _ENTRY.match(entry)
    if match:
        rest = (match.group("rest") or "").rsplit(" | ", 1)
        job, org = (rest[0], rest[1]) if len(rest) == 2 else (rest[0], "")
        return record.Attendee(
            name=match.group("name").strip(),
            email=match.group("email").lower(),
            job_title=_blank(job),
            organisation=_blank(org),
        )
    packed = _PACKED.match(entry.strip())
    if packed:
        return record.Attendee(name=packed.group("name").strip(), email=packed.group("email").lower())
    return record.Attendee(name=entry.strip(), email="")


def _contact(entry: str) -> record.Contact:
    # "Name <email> | organisation"
    match = _ENTRY.match(entry)
    if not match:
        return record.Contact(name=entry.strip(), email="")
    return record.Contact(
        name=match.group("name").strip(),
        email=match.group("email").lower(),
        organisation=_blank(match.group("rest") or ""),
    )


def _amounts(entry: str, delegates: int) -> tuple[record.Amount, ...]:
    """'26550+5310;22568+4514' -> one Amount per delegate (first, then each additional); () if absent or malformed."""
    parts = [_AMOUNT.match(p.strip()) for p in entry.split(";")] if entry else []
    matched = [m for m in parts if m is not None]
    if not parts or len(matched) != len(parts) or len(parts) > 2 or delegates < 1:
        return ()
    pairs = [record.Amount(net_pence=int(m.group(1)), vat_pence=int(m.group(2))) for m in matched]
    if delegates == 1:
        return (pairs[0],)
    if len(pairs) < 2:
        return ()
    return (pairs[0],) + (pairs[1],) * (delegates - 1)


def read(meta: Mapping[str, Any]) -> record.BookingRecord:
    """A first-format booking as today's record; the flags it had (fulfilled, e-mails sent) carry over."""
    values = {str(k): str(v) for k, v in meta.items()}
    entries = [values[k] for k in sorted(values) if k.startswith("delegate_")]
    for key in sorted(k for k in values if k.startswith("delegates_")):
        entries.extend(values[key].split("\n"))
    delegates = tuple(_attendee(e) for e in entries if e.strip())
    payment: Literal["card", "invoice"] = "invoice" if values.get("payment") == "invoice" else "card"
    return record.BookingRecord(
        ref=values.get(record.REF_KEY, ""),
        event=values.get(record.EVENT_KEY, ""),
        category=values.get("category", ""),
        payment=payment,
        contact=_contact(values.get("contact", "")),
        delegates=delegates,
        amounts=_amounts(values.get("amounts", ""), len(delegates)),
        purchase_order=values.get("purchase_order", ""),
        fulfilled_at=values.get("fulfilled_at", ""),
        confirmation_sent=values.get("confirmation_sent", ""),
    )
