"""Read content/fees.yaml and turn every organiser mistake into a `file: field: message` Problem."""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from pricing.errors import FeeTableError, Problem
from pricing.models import FeeTable

DEFAULT_FEES_PATH = Path(__file__).resolve().parent.parent / "content" / "fees.yaml"

# Pydantic's wording is for programmers; these are for the organiser editing the file.
_FRIENDLY = {
    "missing": "is required but missing",
    "extra_forbidden": "is not a setting the fee table knows (check the spelling and indentation)",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "dict_type": "must be a list of named entries (name: followed by indented settings)",
    "model_type": "must be a group of indented settings",
    "string_type": "must be text",
    "literal_error": "must be GBP: the site sells in pounds sterling only",
    "too_short": "must have at least one entry",
}


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, line: int, message: str):
        self.line = line
        self.message = message


class _UniqueKeys(yaml.constructor.SafeConstructor):
    """Refuses a key written twice instead of silently keeping the last one (mixed into both loaders)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise _DuplicateKey(
                    line, f'"{key}" is written twice (lines {seen[key]} and {line}); ids must be unique'
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


class _UniqueKeyLoader(_UniqueKeys, yaml.SafeLoader):
    """The pure-Python SafeLoader: its error messages are the ones organisers see."""


# libyaml's parser reads a large fee table several times faster; a file it refuses is read again
# by the Python loader so the organiser gets the same message either way.
_FastLoader = type("_FastLoader", (_UniqueKeys, yaml.CSafeLoader), {}) if yaml.__with_libyaml__ else _UniqueKeyLoader


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc if part != "[key]") or "(top level)"


def _message(error: ErrorDetails) -> str:
    if error["type"] == "string_pattern_mismatch":
        return "must be an id of lower-case letters, digits and single hyphens, like public-sector"
    if error["type"] in ("greater_than_equal", "less_than_equal"):
        return f"{error['msg'].lower()}"
    return _FRIENDLY.get(error["type"], error["msg"])


def _problems_from(exc: ValidationError, file: str) -> list[Problem]:
    problems: list[Problem] = []
    for error in exc.errors(include_url=False):
        nested = (error.get("ctx") or {}).get("problems")
        if nested:
            problems.extend(Problem(file, p["field"], p["message"]) for p in nested)
        else:
            problems.append(Problem(file, _field(error["loc"]), _message(error)))
    return problems


def parse_fee_table(text: str, file: str = "content/fees.yaml") -> FeeTable:
    """Validate the text of a fee table; raise FeeTableError listing every problem."""
    try:
        try:
            data = yaml.load(text, Loader=_FastLoader)
        except yaml.YAMLError:
            data = yaml.load(text, Loader=_UniqueKeyLoader)
    except _DuplicateKey as exc:
        raise FeeTableError([Problem(file, f"line {exc.line}", exc.message)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        reason = getattr(exc, "problem", None) or str(exc)
        raise FeeTableError([Problem(file, where, f"is not valid YAML: {reason}")]) from None
    if not isinstance(data, dict):
        raise FeeTableError(
            [Problem(file, "(top level)", "must hold currency, vat_percent, discounts, tariffs and events")]
        )
    try:
        return FeeTable.model_validate(data)
    except ValidationError as exc:
        raise FeeTableError(_problems_from(exc, file)) from None


def load_fee_table(path: Path | str = DEFAULT_FEES_PATH, display_name: str | None = None) -> FeeTable:
    path = Path(path)
    name = display_name or _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FeeTableError([Problem(name, "(file)", f"cannot be read: {exc.strerror}")]) from None
    return parse_fee_table(text, name)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
