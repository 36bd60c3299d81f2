"""Stripe's Search Query Language, the part the project uses: `field:'value'` and `metadata['key']:'value'` joined by AND.

Results come as Stripe's `search_result` objects with `page` / `next_page` cursors. Anything outside
this subset (OR, negation, ranges, `~` substring) is refused with a clear message rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from devtools.stripe_standin.errors import StripeAPIError

_CLAUSE = re.compile(
    r"""^\s*(?:(?P<field>[a-z_]+)|metadata\[(?P<q1>['"])(?P<key>[^'"\]]{1,40})(?P=q1)\])"""
    r"""\s*:\s*(?P<q2>['"])(?P<value>(?:\\.|(?!(?P=q2)).){0,500})(?P=q2)\s*$""",
    re.DOTALL,
)
_AND = re.compile(r"\s+AND\s+")
_PAGE = re.compile(r"^page_([0-9]{1,9})$")


def _invalid(message: str) -> StripeAPIError:
    return StripeAPIError(message, param="query", code="parameter_invalid_string")


def parse(query: str, fields: tuple[str, ...]) -> list[tuple[str, str]]:
    """[(field or 'metadata.<key>', value)] for an AND of exact matches; StripeAPIError otherwise."""
    if re.search(r"\s+OR\s+", query) or query.lstrip().startswith("-"):
        raise _invalid("The local stand-in's search supports only clauses joined by AND (no OR or negation).")
    clauses = []
    for part in _AND.split(query.strip()):
        match = _CLAUSE.match(part)
        if not match:
            raise _invalid(
                f"Could not parse the search query near: {part[:60]!r}. "
                "Write clauses like metadata['event']:'slug' joined by AND."
            )
        value = re.sub(r"\\(.)", r"\1", match.group("value"))
        if match.group("key"):
            clauses.append((f"metadata.{match.group('key')}", value))
        elif match.group("field") in fields:
            clauses.append((match.group("field"), value))
        else:
            raise _invalid(
                f"Field '{match.group('field')}' is not searchable here; use one of: "
                f"{', '.join(fields)}, metadata['key']."
            )
    return clauses


def matches(
    obj: dict[str, Any], clauses: list[tuple[str, str]], case_insensitive: tuple[str, ...] = ("email",)
) -> bool:
    for field, value in clauses:
        if field.startswith("metadata."):
            actual = (obj.get("metadata") or {}).get(field.removeprefix("metadata."))
        else:
            actual = obj.get(field)
        if actual is None:
            return False
        actual = str(actual).lower() if isinstance(actual, bool) else str(actual)
        if field in case_insensitive:
            if actual.lower() != value.lower():
                return False
        elif actual != value:
            return False
    return True


def search(
    objects: list[dict[str, Any]],
    params: dict[str, Any],
    url: str,
    fields: tuple[str, ...],
    render: Callable[[dict[str, Any]], dict[str, Any]] = lambda o: o,
) -> dict[str, Any]:
    """A `search_result` page over `objects` (newest first), honouring `limit` and `page`."""
    clauses = parse(params["query"], fields)
    found = [o for o in sorted(objects, key=lambda o: o["created"], reverse=True) if matches(o, clauses)]
    limit = params.get("limit", 10)
    start = 0
    if "page" in params:
        page = _PAGE.match(params["page"])
        if not page:
            raise StripeAPIError(
                "Invalid page: pass the next_page value of the previous result.",
                param="page",
                code="parameter_invalid_string",
            )
        start = int(page.group(1))
    chunk = found[start : start + limit]
    more = start + limit < len(found)
    return {
        "object": "search_result",
        "data": [render(o) for o in chunk],
        "has_more": more,
        "next_page": f"page_{start + limit}" if more else None,
        "url": url,
    }
