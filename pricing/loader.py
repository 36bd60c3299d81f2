"""Read content/fees.yaml (or the JSON the function's bundle ships) and turn every organiser mistake into a
`file: field: message` Problem."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

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
    """Validate the text of a fee table (JSON if `file` ends in .json, else YAML); raise FeeTableError listing every problem."""
    return validate_document(read_document(text, file), file)


def read_document(text: str, file: str) -> Any:
    """The fee table's data as written, before the models check it."""
    if file.endswith(".json"):
        try:
            return json.loads(text)
        except ValueError as exc:
            raise FeeTableError([Problem(file, "(file)", f"is not valid JSON: {exc}")]) from None
    from pricing.yaml_document import read_yaml  # only here: the function's bundle reads JSON and never imports yaml

    return read_yaml(text, file)


def validate_document(data: Any, file: str) -> FeeTable:
    if not isinstance(data, dict):
        raise FeeTableError(
            [Problem(file, "(top level)", "must hold currency, vat_percent, discounts, tariffs and events")]
        )
    try:
        return FeeTable.model_validate(data)
    except ValidationError as exc:
        raise FeeTableError(_problems_from(exc, file)) from None


def fee_table_json(path: Path | str = DEFAULT_FEES_PATH) -> str:
    """The YAML fee table as JSON for the function's bundle, checked first (FeeTableError as for the build).

    The same document, not the models' output: the function validates it with the same models on loading.
    Dates YAML reads unquoted are written as the ISO text the models also accept.
    """
    path = Path(path)
    name = _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FeeTableError([Problem(name, "(file)", f"cannot be read: {exc.strerror}")]) from None
    data = read_document(text, name)
    validate_document(data, name)
    return json.dumps(data, ensure_ascii=False, indent=1, default=_iso) + "\n"


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be written as JSON")


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
