"""Turn a request body (JSON or a browser's form encoding) into plain data for the booking model."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from booking.request import FieldError
from functions.errors import BookingProblem

MAX_FORM_FIELDS = 400
MAX_DELEGATE_INDEX = 99
_NAME = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]{0,39})((?:\[[A-Za-z0-9_-]{0,40}\]){0,2})$")
_PART = re.compile(r"\[([A-Za-z0-9_-]*)\]")


def _unreadable(message: str) -> BookingProblem:
    return BookingProblem(422, [FieldError("body", message)])


def parse_json(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _unreadable("The booking could not be read: it is not UTF-8 text.") from None
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise _unreadable("The booking could not be read: it is not valid JSON.") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_form(raw: bytes, keep_blank: bool = False) -> dict[str, Any]:
    """Decode `contact[name]=..&delegates[0][email]=..` into nested dicts and a delegates list.

    Delegate fieldsets left completely blank are dropped: the no-JavaScript form always shows
    several, and a visitor booking for one person leaves the others empty. With `keep_blank` (the
    manage page, one fieldset per delegate booked) every fieldset is kept, in place.
    """
    try:
        pairs = parse_qsl(
            raw.decode("ascii"),
            keep_blank_values=True,
            strict_parsing=False,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FORM_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        raise _unreadable("The booking form could not be read: send it as the form on the event page does.") from None
    data: dict[str, Any] = {}
    errors: list[FieldError] = []
    for name, value in pairs:
        match = _NAME.match(name)
        if not match:
            continue  # not one of our fields (a browser extension, a tampered name): ignored like any extra
        path = [match.group(1), *_PART.findall(match.group(2))]
        if not _assign(data, path, value):
            errors.append(FieldError(".".join(path), "This field was sent more than once."))
    if errors:
        raise BookingProblem(422, errors)
    if "delegates" in data:
        data["delegates"] = _delegate_list(data["delegates"], keep_blank)
    return data


def _assign(data: dict[str, Any], path: list[str], value: str) -> bool:
    node = data
    for part in path[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            return False
        node = child
    if path[-1] in node:
        return False
    node[path[-1]] = value
    return True


def _delegate_list(value: Any, keep_blank: bool) -> Any:
    """{'0': {...}, '1': {...}} -> [{...}, {...}] in index order, blank fieldsets dropped unless `keep_blank`."""
    if not isinstance(value, dict):
        return value
    in_order = all(key.isdigit() and int(key) <= MAX_DELEGATE_INDEX for key in value)
    if in_order and keep_blank:  # one fieldset per delegate: exactly 0, 1, 2, ...
        in_order = sorted(value, key=int) == [str(i) for i in range(len(value))]
    if not in_order:
        raise BookingProblem(422, [FieldError("delegates", "The delegates were sent in a way the form does not use.")])
    ordered = [value[key] for key in sorted(value, key=int)]
    if keep_blank:
        return ordered
    return [d for d in ordered if not (isinstance(d, dict) and all(not str(v).strip() for v in d.values()))]
