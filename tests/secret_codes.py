"""Discount codes are secrets: what the public can fetch (the built site, every answer of the function) is
searched for every code of the fee table it was made from, in any letter case (codes match in any case)."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pricing import FeeTableError, load_fee_table


def codes_of(fees_path: Path) -> tuple[str, ...]:
    """The codes of a fee table as it is now (none when it cannot be read: a test may break it on purpose)."""
    try:
        stat = fees_path.stat()
    except OSError:
        return ()
    return _codes(fees_path, stat.st_mtime_ns, stat.st_size)


@cache
def _codes(fees_path: Path, mtime_ns: int, size: int) -> tuple[str, ...]:
    try:
        return tuple(load_fee_table(fees_path).codes)
    except FeeTableError:
        return ()


def codes_shown(data: bytes, codes: Iterable[str]) -> list[str]:
    """The codes that `data` spells out, in any letter case."""
    folded = data.lower()
    return [code for code in codes if code.lower().encode() in folded]


@dataclass
class PublicAnswers:
    """Every answer a function served over HTTP in one test (anyone may send any request), with the fee table
    it priced from; `watch` wraps the function, `leaks` lists each answer that names one of that table's codes."""

    seen: list[tuple[str, bytes, tuple[str, ...]]] = field(default_factory=list)

    def watch(
        self, function: Callable[[dict, Any], dict], fees_path: Callable[[], Path]
    ) -> Callable[[dict, Any], dict]:
        def answered(event: dict, context: Any) -> dict:
            result = function(event, context)
            body = result.get("body") or ""
            data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
            headers = "\n".join(f"{k}: {v}" for k, v in (result.get("headers") or {}).items()).encode("utf-8")
            where = f"{event['requestContext']['http']['method']} {event['rawPath']} -> {result['statusCode']}"
            self.seen.append((where, headers + b"\n\n" + data, codes_of(Path(fees_path()))))
            return result

        return answered

    def leaks(self) -> list[tuple[str, list[str]]]:
        found = [(where, codes_shown(data, codes)) for where, data, codes in self.seen]
        return [(where, codes) for where, codes in found if codes]
