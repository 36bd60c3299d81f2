"""Check parsed parameters against a spec from schema.py and turn them into Python values.

Unknown parameters are reported first (anywhere in the tree), then types, limits and required fields,
each as the Stripe-shaped 400 that Stripe itself sends, naming the parameter in bracket notation.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from devtools.stripe_standin.currencies import TWO_DECIMAL, ZERO_OR_THREE_DECIMAL
from devtools.stripe_standin.errors import StripeAPIError, invalid, missing, unknown
from devtools.stripe_standin.forms import IndexedArray
from devtools.stripe_standin.schema import (
    METADATA_MAX_KEY_LENGTH,
    METADATA_MAX_KEYS,
    METADATA_MAX_VALUE_LENGTH,
    Array,
    Bool,
    Hash,
    Int,
    Metadata,
    Spec,
    Str,
)

_INTEGER = re.compile(r"^-?[0-9]{1,18}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def validate(spec: Hash, tree: dict[str, Any], *, updating: bool = False) -> dict[str, Any]:
    """Return the checked parameters; raise StripeAPIError for the first problem found."""
    _check_unknown(spec, tree, "")
    return _convert_hash(spec, tree, "", updating)


def _join(prefix: str, name: object) -> str:
    return f"{prefix}[{name}]" if prefix else str(name)


def _check_unknown(spec: Spec, value: Any, param: str) -> None:
    if isinstance(spec, Hash) and isinstance(value, dict) and not isinstance(value, IndexedArray):
        for name, sub in value.items():
            if name not in spec.fields:
                raise unknown(_join(param, name))
            _check_unknown(spec.fields[name], sub, _join(param, name))
    elif isinstance(spec, Array) and isinstance(value, IndexedArray):
        for index, sub in value.items():
            _check_unknown(spec.item, sub, _join(param, index))


def _convert(spec: Spec, value: Any, param: str, updating: bool) -> Any:
    if isinstance(spec, Hash):
        return _convert_hash(spec, value, param, updating)
    if isinstance(spec, Array):
        return _convert_array(spec, value, param, updating)
    if isinstance(spec, Metadata):
        return _convert_metadata(value, param, updating)
    if not isinstance(value, str):
        raise invalid(
            param,
            f"Invalid value for {param}: expected a single value, not a hash or an array.",
            "parameter_invalid_type",
        )
    if value == "":
        raise invalid(
            param,
            f"You passed an empty string for '{param}'. We assume empty values are an attempt to unset a "
            f"parameter; however '{param}' cannot be unset. You should remove '{param}' from your request "
            "or supply a non-empty value.",
            "parameter_invalid_empty",
        )
    if isinstance(spec, Int):
        return _convert_int(spec, value, param)
    if isinstance(spec, Bool):
        if value not in ("true", "false"):
            raise invalid(param, f"Invalid boolean: {value[:50]}", "parameter_invalid_boolean")
        return value == "true"
    return _convert_str(spec, value, param)


def _convert_hash(spec: Hash, value: Any, param: str, updating: bool) -> dict[str, Any]:
    if not isinstance(value, dict) or isinstance(value, IndexedArray):
        raise invalid(param, f"Invalid hash: {param} must be a hash of parameters.", "parameter_invalid_type")
    result = {name: _convert(spec.fields[name], sub, _join(param, name), updating) for name, sub in value.items()}
    for name in spec.required:
        if name not in result:
            raise missing(_join(param, name))
    return result


def _convert_array(spec: Array, value: Any, param: str, updating: bool) -> list[Any]:
    if isinstance(value, IndexedArray):
        indices = sorted(value)
        if indices != list(range(len(indices))):
            raise invalid(
                param,
                f"Invalid array: the indices of {param} must run 0, 1, 2, ... without gaps.",
                "parameter_invalid_array",
            )
        items = [(f"{param}[{i}]", value[i]) for i in indices]
    elif isinstance(value, list):
        items = [(f"{param}[{i}]", item) for i, item in enumerate(value)]
    else:
        raise invalid(param, f"Invalid array: {param} must be an array.", "parameter_invalid_array")
    if len(items) > spec.max_items:
        raise invalid(
            param,
            f"Invalid array: {param} can hold at most {spec.max_items} items; you sent {len(items)}.",
            "parameter_invalid_array",
        )
    return [_convert(spec.item, item, item_param, updating) for item_param, item in items]


def _convert_int(spec: Int, value: str, param: str) -> int:
    if not _INTEGER.match(value):
        raise invalid(param, f"Invalid integer: {value[:50]}", "parameter_invalid_integer")
    number = int(value)
    if number < spec.minimum:
        raise invalid(
            param, f"This value must be greater than or equal to {spec.minimum}.", "parameter_invalid_integer"
        )
    if spec.maximum is not None and number > spec.maximum:
        raise invalid(param, f"This value must be less than or equal to {spec.maximum}.", "parameter_invalid_integer")
    return number


def _convert_str(spec: Str, value: str, param: str) -> str:
    if len(value) > spec.max_length:
        raise invalid(
            param,
            f"Invalid string: {value[:20]}...; must be at most {spec.max_length} characters",
            "parameter_invalid_string_too_long",
        )
    if spec.enum is not None and value not in spec.enum:
        name = param.rsplit("[", 1)[-1].rstrip("]")
        if value in spec.unsupported:
            raise invalid(
                param,
                f"{name}={value} is valid at Stripe but the local stand-in does not simulate it; "
                f"it supports {_one_of(spec.enum)}.",
                "parameter_unsupported_by_standin",
            )
        raise invalid(
            param, f"Invalid {name}: must be {_one_of(spec.enum + spec.unsupported)}", "parameter_invalid_enum"
        )
    if spec.kind == "url":
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
            raise invalid(param, f"Not a valid URL: {value[:100]}", "url_invalid")
    elif spec.kind == "email" and not EMAIL_PATTERN.match(value):
        raise invalid(param, f"Invalid email address: {value[:100]}", "email_invalid")
    elif spec.kind == "currency" and value not in TWO_DECIMAL:
        if value.lower() in TWO_DECIMAL:
            message = f"Invalid currency: {value[:10]}. Currency codes must be lowercase, like {value.lower()}."
        elif value in ZERO_OR_THREE_DECIMAL:
            message = f"The local stand-in does not simulate the currency {value}, which has no two decimal places."
        else:
            message = f"Invalid currency: {value[:10]}. Stripe currently supports three-letter lowercase ISO codes such as gbp, eur and usd."
        raise invalid(param, message, "parameter_invalid_currency")
    return value


def _one_of(values: tuple[str, ...]) -> str:
    if len(values) == 1:
        return values[0]
    return "one of " + ", ".join(values[:-1]) + f", or {values[-1]}"


def _convert_metadata(value: Any, param: str, updating: bool) -> dict[str, str] | str:
    if value == "" and updating:
        return ""
    if not isinstance(value, dict) or isinstance(value, IndexedArray):
        raise invalid(
            param,
            f"Invalid hash: {param} must be a hash of string keys and string values.",
            "parameter_invalid_metadata",
        )
    for key, item in value.items():
        key_param = _join(param, key)
        if not isinstance(item, str):
            raise invalid(
                key_param,
                f"Invalid metadata: the value of {key_param} must be a string, not a hash or an array.",
                "parameter_invalid_metadata",
            )
        if key == "":
            raise invalid(key_param, "Metadata keys cannot be empty.", "parameter_invalid_metadata")
        if len(key) > METADATA_MAX_KEY_LENGTH:
            raise invalid(
                key_param,
                f"Metadata keys can have a maximum length of {METADATA_MAX_KEY_LENGTH} characters.",
                "parameter_invalid_metadata",
            )
        if len(item) > METADATA_MAX_VALUE_LENGTH:
            raise invalid(
                key_param,
                f"Metadata values can have a maximum length of {METADATA_MAX_VALUE_LENGTH} characters.",
                "parameter_invalid_metadata",
            )
    if len(value) > METADATA_MAX_KEYS:
        raise invalid(
            param, f"You can specify up to {METADATA_MAX_KEYS} keys in {param}.", "parameter_invalid_metadata"
        )
    return dict(value)


def check_metadata_count(metadata: dict[str, str], param: str) -> None:
    """After an update merges metadata, the object itself may hold at most 50 keys."""
    if len(metadata) > METADATA_MAX_KEYS:
        raise StripeAPIError(
            f"You can specify up to {METADATA_MAX_KEYS} keys in {param}.",
            param=param,
            code="parameter_invalid_metadata",
        )
