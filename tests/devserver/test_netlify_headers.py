"""The dev server sends netlify.toml's headers, so local pages and browser tests run under the real CSP."""

from __future__ import annotations

import tomllib

import pytest

from devtools.devserver.netlify_headers import NETLIFY_TOML, compile_path_pattern, headers_for
from devtools.devserver.static import static_headers


def _netlify_values(pattern: str) -> dict[str, str]:
    rules = tomllib.loads(NETLIFY_TOML.read_text())["headers"]
    return next(rule["values"] for rule in rules if rule["for"] == pattern)


@pytest.mark.parametrize("path", ["/", "/events/caldicott-police-2083/", "/404.html", "/theme/css/site.css"])
def test_every_static_path_gets_the_security_headers_netlify_sends(path):
    expected = _netlify_values("/*")
    sent = dict(static_headers(path, None, 200))
    for name in (
        "Content-Security-Policy",
        "Strict-Transport-Security",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Permissions-Policy",
        "X-Frame-Options",
    ):
        assert sent[name] == expected[name]


def test_a_later_rule_wins_for_the_same_header_as_on_netlify():
    assert (
        headers_for("/assets/css/site.0123456789.css")["Cache-Control"] == _netlify_values("/assets/*")["Cache-Control"]
    )
    assert headers_for("/events/x/")["Cache-Control"] == _netlify_values("/*")["Cache-Control"]


def test_calendar_files_are_served_as_text_calendar(tmp_path):
    ics = tmp_path / "e.ics"
    ics.write_text("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    assert dict(static_headers("/events/e/e.ics", ics, 200))["Content-Type"].startswith("text/calendar")


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("/*", "/a/b/c", True),
        ("/theme/*", "/theme/js/x.js", True),
        ("/theme/*", "/themes/x", False),
        ("/events/:slug/", "/events/a-b/", True),
        ("/events/:slug/", "/events/a/b/", False),
    ],
)
def test_netlify_path_patterns(pattern, path, matches):
    assert bool(compile_path_pattern(pattern).match(path)) is matches
