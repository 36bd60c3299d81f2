"""Parse Stripe's bracketed form encoding (`line_items[0][price_data][currency]=gbp`) into nested values.

The result keeps hashes as dicts, `[0]`-style arrays as `IndexedArray` and `[]`-style arrays as lists,
so validation can tell the shapes apart and name the offending parameter exactly as Stripe would.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from devtools.stripe_standin.errors import StripeAPIError, invalid, unknown

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")
_METADATA_OPENING = re.compile(r"metadata\]?\[")
_MAX_DEPTH = 8
_MAX_INDEX = 9999


class IndexedArray(dict):
    """An array sent as `name[0]`, `name[1]`, ...: index -> value, checked for gaps later."""


Value = str | dict | list | IndexedArray


def parse_pairs(raw: str) -> list[tuple[str, str]]:
    """Split a query string or body into (key, value) pairs; bad encoding is a Stripe-shaped 400."""
    try:
        return parse_qsl(raw, keep_blank_values=True, strict_parsing=False, errors="strict", max_num_fields=5000)
    except UnicodeDecodeError:
        raise StripeAPIError(
            "Invalid request: the body is not valid UTF-8.", code="parameter_invalid_encoding"
        ) from None
    except ValueError:
        raise StripeAPIError("Invalid request: too many parameters.", code="parameters_too_many") from None


def nest(pairs: list[tuple[str, str]]) -> dict[str, Value]:
    """Build the nested structure; a key used both as a value and as a container is refused."""
    root: dict[str, Value] = {}
    for key, value in pairs:
        match = _KEY.match(key)
        if not match:
            raise _bad_key(key)
        path = [match.group(1), *_PART.findall(match.group(2))]
        if len(path) > _MAX_DEPTH:
            raise unknown(key)
        _insert(root, path, value, key)
    return root


def _insert(root: dict, path: list[str], value: str, key: str) -> None:
    node: dict = root
    shown = path[0]
    for depth, part in enumerate(path):
        if depth > 0:
            shown = f"{shown}[{part}]"
        slot = _index(part, shown) if isinstance(node, IndexedArray) else part
        existing = node.get(slot)
        if depth == len(path) - 1:
            if isinstance(existing, (dict, list)):
                raise _clash(shown)
            node[slot] = value
            return
        following = path[depth + 1]
        if following == "":
            if depth + 1 != len(path) - 1:
                raise invalid(f"{shown}[]", f"Invalid array: {shown}[] cannot hold hashes.", "parameter_invalid_array")
            if existing is None:
                existing = node[slot] = []
            if not isinstance(existing, list):
                raise _clash(shown)
            existing.append(value)
            return
        container_type = IndexedArray if _is_index(following) else dict
        if existing is None:
            existing = node[slot] = container_type()
        elif type(existing) is not container_type:
            raise _clash(shown)
        node = existing


def _clash(shown: str) -> StripeAPIError:
    return invalid(
        shown,
        f"Invalid value for {shown}: it is used both as a value and as a hash or an array.",
        "parameter_invalid_type",
    )


def _bad_key(key: str) -> StripeAPIError:
    """A key Stripe cannot parse: a metadata key holding brackets gets its own message, anything else is unknown."""
    for found in _METADATA_OPENING.finditer(key):
        base = key[: found.end() - 1]
        if key.endswith("]") and _KEY.match(base):
            return invalid(base, "Metadata keys cannot contain square brackets ([ or ]).", "parameter_invalid_metadata")
    return unknown(key)


def _index(part: str, shown: str) -> int:
    if not _is_index(part) or int(part) > _MAX_INDEX:
        raise invalid(shown, f"Invalid array index: {shown}", "parameter_invalid_array")
    return int(part)


def _is_index(part: str) -> bool:
    # ASCII digits only: str.isdigit() also accepts "²" and "٣", which int() refuses or reads as another number.
    return part.isascii() and part.isdigit()
