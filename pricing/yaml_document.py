"""Read the YAML text of content/fees.yaml, refusing a key written twice; a separate module so JSON readers skip yaml."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import yaml

from pricing.errors import FeeTableError, Problem


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
            if not isinstance(key, Hashable):  # SafeConstructor refuses it below, with YAML's own message
                continue
            if key in seen:
                raise _DuplicateKey(
                    line, f'"{key}" is written twice (lines {seen[key]} and {line}); ids must be unique'
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


class UniqueKeyLoader(_UniqueKeys, yaml.SafeLoader):
    """The pure-Python SafeLoader: its error messages are the ones organisers see."""


# libyaml's parser reads a large fee table several times faster; a file it refuses is read again
# by the Python loader so the organiser gets the same message either way.
FastLoader = type("FastLoader", (_UniqueKeys, yaml.CSafeLoader), {}) if yaml.__with_libyaml__ else UniqueKeyLoader


def read_yaml(text: str, file: str) -> Any:
    """The document, or FeeTableError naming the line of the first YAML mistake."""
    try:
        try:
            return yaml.load(text, Loader=FastLoader)
        except yaml.YAMLError:
            return yaml.load(text, Loader=UniqueKeyLoader)
    except _DuplicateKey as exc:
        raise FeeTableError([Problem(file, f"line {exc.line}", exc.message)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        reason = getattr(exc, "problem", None) or str(exc)
        raise FeeTableError([Problem(file, where, f"is not valid YAML: {reason}")]) from None
