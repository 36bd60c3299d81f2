"""Who attended, from the attendance report Zoom or Microsoft Teams exports (CSV), as e-mail addresses.

Zoom's participants export is UTF-8 CSV, sometimes with a block of meeting data above the participants;
Teams' attendance report is UTF-16 with tabs, in numbered sections ("1. Summary", "2. Participants", ...).
Each table whose header has an e-mail column counts, except Zoom's meeting block (its e-mail is the host's).
"""

from __future__ import annotations

import contextlib
import csv
import io
from dataclasses import dataclass
from pathlib import Path

_EMAIL_HEADERS = ("email", "e-mail", "user email", "email address", "e-mail address", "participant email")
_MEETING_HEADERS = ("meeting id", "topic")
_NAME_HEADERS = ("name (original name)", "name", "full name", "participant", "user name")


class AttendanceError(ValueError):
    """The file cannot be read as an attendance report; the message says why, for the organiser."""


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str = ""


def normalise_email(address: str) -> str:
    """One spelling per mailbox for matching: trimmed, case-folded, the domain in Unicode (IDNA decoded)."""
    local, at, domain = address.strip().strip("<>").rpartition("@")
    if not at:
        return address.strip().casefold()
    labels = []
    for label in domain.rstrip(".").split("."):
        if label.lower().startswith("xn--"):
            with contextlib.suppress(UnicodeError):  # not valid punycode: compare it as written
                label = label.encode("ascii").decode("idna")
        labels.append(label)
    return f"{local.casefold()}@{'.'.join(labels).casefold()}"


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if len(data) > 1 and data[1:2] == b"\x00":  # UTF-16 LE without its byte-order mark
        return data.decode("utf-16-le")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _is_email_header(cell: str) -> bool:
    return cell.strip().strip('"').casefold() in _EMAIL_HEADERS


def _tables(rows: list[list[str]]) -> list[tuple[list[str], list[list[str]]]]:
    """(header, rows) for each table whose header names an e-mail column; blank lines end a table."""
    tables: list[tuple[list[str], list[list[str]]]] = []
    current: list[list[str]] | None = None
    for row in rows:
        if not any(cell.strip() for cell in row):
            current = None
        elif any(_is_email_header(cell) for cell in row) and not any("@" in cell for cell in row):
            current = []
            tables.append(([cell.strip().casefold() for cell in row], current))
        elif current is not None:
            current.append(row)
    return tables


def read_attendance(path: Path) -> list[Attendee]:
    """Every distinct attendee with an e-mail address in the report, in the order they appear."""
    try:
        text = _decode(path.read_bytes())
    except OSError as exc:
        raise AttendanceError(f"cannot read {path}: {exc.strerror}") from None
    best: list[tuple[list[str], list[list[str]]]] = []
    for delimiter in ("\t", ",", ";"):
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        best = _tables(rows)
        if best:
            break
    if not best:
        first = next((line for line in text.splitlines() if line.strip()), "")
        raise AttendanceError(
            f"{path}: no e-mail column found: export the participants report with e-mail addresses "
            f"(a column headed Email or User Email); the file starts {first[:80]!r}"
        )
    seen: dict[str, Attendee] = {}
    for header, rows in best:
        if any(h in _MEETING_HEADERS for h in header):
            continue  # Zoom's meeting block: one row about the host
        emails = [i for i, h in enumerate(header) if h in _EMAIL_HEADERS]
        names = [i for i, h in enumerate(header) if h in _NAME_HEADERS]
        for row in rows:
            for i in emails:
                address = row[i].strip() if i < len(row) else ""
                if "@" not in address:
                    continue
                key = normalise_email(address)
                if key not in seen:
                    name = row[names[0]].strip() if names and names[0] < len(row) else ""
                    seen[key] = Attendee(address, name)
    return list(seen.values())
