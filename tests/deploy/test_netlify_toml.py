"""netlify.toml: the build Netlify runs and the headers every static file is served with."""

from __future__ import annotations

import re
from typing import Any

import pytest

from pelican.plugins.event_site.assets import csp_source, first_screen_css
from tests.deploy.conftest import ROOT

# The one inline style the policy allows: the first screen's CSS every page carries, by its hash.
FIRST_SCREEN_CSS = csp_source(first_screen_css(ROOT / "theme" / "static"))


def _headers_for(netlify: dict[str, Any], path: str) -> dict[str, str]:
    rules = [rule for rule in netlify["headers"] if rule["for"] == path]
    assert len(rules) == 1, f"expected one [[headers]] rule for {path}"
    return rules[0]["values"]


def _csp(netlify: dict[str, Any]) -> dict[str, list[str]]:
    policy = _headers_for(netlify, "/*")["Content-Security-Policy"]
    directives: dict[str, list[str]] = {}
    for part in filter(None, (p.strip() for p in policy.split(";"))):
        name, *sources = part.split()
        assert name not in directives, f"CSP names {name} twice"
        directives[name] = sources
    return directives


def test_build_installs_the_project_and_publishes_output(netlify):
    build = netlify["build"]
    assert build["publish"] == "output"
    assert build["command"] == "bash devtools/deploy/netlify_build.sh"
    script = (ROOT / "devtools" / "deploy" / "netlify_build.sh").read_text(encoding="utf-8")
    # Netlify only installs requirements.txt by itself: the script must install the project.
    assert "pip install" in script and ".[site]" in script
    assert "--settings publishconf.py" in script
    assert re.fullmatch(r"3\.1[2-4]", build["environment"]["PYTHON_VERSION"])


def test_python_on_netlify_is_the_lambda_runtime_version(netlify, template):
    runtime = template["Resources"]["BookingFunction"]["Properties"]["Runtime"]
    assert runtime == "python" + netlify["build"]["environment"]["PYTHON_VERSION"]


@pytest.mark.parametrize(
    "header, value",
    [
        ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ],
)
def test_every_static_file_carries_the_security_header(netlify, header, value):
    assert _headers_for(netlify, "/*")[header] == value


@pytest.mark.parametrize(
    "directive, sources",
    [
        ("default-src", ["'self'"]),
        ("script-src", ["'self'"]),
        ("style-src", ["'self'", FIRST_SCREEN_CSS]),
        ("img-src", ["'self'", "data:"]),
        ("connect-src", ["'self'"]),
        ("form-action", ["'self'", "https://checkout.stripe.com"]),
        ("frame-ancestors", ["'none'"]),
        ("base-uri", ["'self'"]),
        ("object-src", ["'none'"]),
    ],
)
def test_content_security_policy_directive(netlify, directive, sources):
    assert _csp(netlify)[directive] == sources


def test_csp_allows_nothing_inline_and_no_other_site_but_stripe_checkout_for_the_form(netlify):
    for directive, sources in _csp(netlify).items():
        for source in sources:
            assert source not in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*"), (directive, source)
            if source.startswith(("http:", "https:")) or "://" in source or "." in source:
                assert (directive, source) == ("form-action", "https://checkout.stripe.com"), (directive, source)


def test_html_is_revalidated_on_every_visit(netlify):
    assert _headers_for(netlify, "/*")["Cache-Control"] == "public, max-age=0, must-revalidate"


def test_fingerprinted_assets_are_cached_for_a_year_by_the_later_rule(netlify):
    assert _headers_for(netlify, "/assets/*")["Cache-Control"] == "public, max-age=31536000, immutable"
    order = [rule["for"] for rule in netlify["headers"]]
    assert order.index("/assets/*") > order.index("/*"), (
        "the /assets/* rule must follow /* to override its Cache-Control"
    )


def test_plain_theme_files_are_revalidated_because_the_functions_pages_link_them(netlify):
    assert not any(rule["for"].startswith("/theme/") for rule in netlify["headers"])


def test_calendar_files_are_served_as_text_calendar(netlify):
    assert _headers_for(netlify, "/*.ics")["Content-Type"] == "text/calendar; charset=utf-8"


def test_no_redirect_in_netlify_toml_hard_codes_a_function_address(netlify):
    # The /api/* proxy comes from BOOKING_FUNCTION_URL at build time (devtools/deploy/redirects.py).
    for rule in netlify.get("redirects", []):
        assert "lambda-url" not in rule.get("to", "")
