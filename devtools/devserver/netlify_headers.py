"""The [[headers]] rules of netlify.toml, applied by the dev server as Netlify applies them.

So the site runs locally (and in the browser tests) under the same CSP and headers as in production.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

NETLIFY_TOML = Path(__file__).resolve().parents[2] / "netlify.toml"


@dataclass(frozen=True)
class HeaderRule:
    pattern: re.Pattern[str]
    values: tuple[tuple[str, str], ...]


def compile_path_pattern(path_pattern: str) -> re.Pattern[str]:
    """Netlify's path syntax: `*` matches anything (slashes too), `:name` one path segment."""
    parts = re.split(r"(\*|:[A-Za-z_]+)", path_pattern)
    regex = "".join(".*" if p == "*" else "[^/]+" if p.startswith(":") else re.escape(p) for p in parts if p)
    return re.compile(f"^{regex}$")


@lru_cache(maxsize=4)
def load_rules(path: Path = NETLIFY_TOML) -> tuple[HeaderRule, ...]:
    config = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(
        HeaderRule(
            compile_path_pattern(rule["for"]),
            tuple((name, str(value)) for name, value in rule.get("values", {}).items()),
        )
        for rule in config.get("headers", [])
    )


def headers_for(url_path: str, rules: tuple[HeaderRule, ...] | None = None) -> dict[str, str]:
    """Every header netlify.toml sets for this path; a later matching rule wins for the same header."""
    merged: dict[str, str] = {}
    for rule in load_rules() if rules is None else rules:
        if rule.pattern.match(url_path):
            for name, value in rule.values:
                merged.pop(next((k for k in merged if k.lower() == name.lower()), name), None)
                merged[name] = value
    return merged
