"""The /api/* proxy: written into _redirects from BOOKING_FUNCTION_URL, and the build stops without it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devtools.deploy.redirects import RedirectsError, function_url, proxy_rule
from tests.deploy.conftest import ROOT

FUNCTION_URL = "https://abc123xyz.lambda-url.eu-west-2.on.aws/"


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BOOKING_FUNCTION_URL", "CONTEXT", "URL", "SITE_URL")}
    env.update(values)
    return env


def _redirects(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "devtools" / "deploy" / "redirects.py"), *args],
        capture_output=True,
        text=True,
        env=_env(**env),
        timeout=60,
    )


def _rules(output: Path) -> list[list[str]]:
    lines = (output / "_redirects").read_text(encoding="utf-8").splitlines()
    return [line.split() for line in lines if line.strip() and not line.startswith("#")]


def test_build_writes_a_forced_status_200_proxy_from_the_environment(tmp_path):
    result = _redirects(str(tmp_path), BOOKING_FUNCTION_URL=FUNCTION_URL, CONTEXT="production")
    assert result.returncode == 0, result.stderr
    assert _rules(tmp_path) == [["/api/*", "https://abc123xyz.lambda-url.eu-west-2.on.aws/api/:splat", "200!"]]
    _source, _target, status = _rules(tmp_path)[0]
    assert status.rstrip("!") == "200" and status.endswith("!"), "a rewrite (200), forced (!)"


def test_the_proxy_rule_goes_before_rules_already_in_the_publish_folder(tmp_path):
    (tmp_path / "_redirects").write_text("/old-page  /events/  301\n", encoding="utf-8")
    assert _redirects(str(tmp_path), BOOKING_FUNCTION_URL=FUNCTION_URL).returncode == 0
    assert [rule[0] for rule in _rules(tmp_path)] == ["/api/*", "/old-page"]


@pytest.mark.parametrize("context", ["production", None])
def test_a_production_build_without_the_function_url_fails_and_says_what_to_set(tmp_path, context):
    env = {"CONTEXT": context} if context else {}
    result = _redirects(str(tmp_path), **env)
    assert result.returncode == 1
    assert "BOOKING_FUNCTION_URL is not set" in result.stderr
    assert "sam deploy" in result.stderr and "Environment variables" in result.stderr
    assert not (tmp_path / "_redirects").exists()


def test_a_deploy_preview_without_the_function_url_builds_with_a_warning(tmp_path):
    result = _redirects(str(tmp_path), CONTEXT="deploy-preview")
    assert result.returncode == 0
    assert "WARNING" in result.stdout and "BOOKING_FUNCTION_URL" in result.stdout
    assert not (tmp_path / "_redirects").exists()


@pytest.mark.parametrize(
    "value, reason",
    [
        ("http://abc.lambda-url.eu-west-2.on.aws/", "not an https:// address"),
        ("abc.lambda-url.eu-west-2.on.aws", "not an https:// address"),
        ("https://", "not an https:// address"),
        ("https://user:pw@abc.lambda-url.eu-west-2.on.aws/", "not an https:// address"),
        ("https://abc.lambda-url.eu-west-2.on.aws/api/", "without a path or query"),
        ("https://abc.lambda-url.eu-west-2.on.aws/?x=1", "without a path or query"),
        ("https://abc.lambda-url.eu-west-2.on.aws/ extra", "not an https:// address"),
    ],
)
def test_a_function_url_that_would_not_work_stops_the_build(tmp_path, value, reason):
    result = _redirects(str(tmp_path), BOOKING_FUNCTION_URL=value, CONTEXT="production")
    assert result.returncode == 1
    assert reason in result.stderr and value.strip() in result.stderr
    assert not (tmp_path / "_redirects").exists()


def _netlify_build(output: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(ROOT / "devtools" / "deploy" / "netlify_build.sh"), "--no-install", str(output)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=_env(PYTHON=sys.executable, **env),
    )


def test_the_netlify_build_script_builds_the_production_site_with_the_proxy(tmp_path):
    output = tmp_path / "output"
    result = _netlify_build(
        output, BOOKING_FUNCTION_URL=FUNCTION_URL, URL="https://events.example.org", CONTEXT="production"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (output / "index.html").is_file()
    assert _rules(output)[0][:2] == ["/api/*", "https://abc123xyz.lambda-url.eu-west-2.on.aws/api/:splat"]
    # publishconf.py took Netlify's URL as the site's address: the feed links are absolute.
    feed = (output / "feeds" / "events.atom.xml").read_text(encoding="utf-8")
    assert "https://events.example.org/" in feed


def test_the_netlify_build_script_stops_before_building_without_the_function_url(tmp_path):
    output = tmp_path / "output"
    result = _netlify_build(output, URL="https://events.example.org", CONTEXT="production")
    assert result.returncode == 1
    assert "BOOKING_FUNCTION_URL is not set" in result.stderr
    assert not output.exists(), "nothing is built when the proxy cannot be written"


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.builds(lambda rest: "https://" + rest, st.text()),
        st.builds(
            lambda host, tail: f"https://{host}.lambda-url.eu-west-2.on.aws{tail}",
            st.from_regex(r"[a-z0-9]{1,40}", fullmatch=True),
            st.sampled_from(["", "/", "/x", "/\n/evil 200!", "?a=b"]),
        ),
    )
)
def test_any_value_gives_one_well_formed_proxy_rule_or_a_plain_refusal(value):
    try:
        base = function_url({"BOOKING_FUNCTION_URL": value, "CONTEXT": "production"})
    except RedirectsError as exc:
        assert "BOOKING_FUNCTION_URL" in str(exc)
        return
    rule = proxy_rule(base)
    assert rule.count("\n") == 1 and rule.endswith("\n"), "exactly one line: no rule can be smuggled in"
    source, target, status = rule.split()
    assert (source, status) == ("/api/*", "200!")
    assert target == f"{base}/api/:splat" and target.startswith("https://")


def test_with_a_proxy_secret_the_rule_is_signed_and_rate_limited_in_netlify_toml(tmp_path):
    import tomllib

    from devtools.deploy.redirects import write_redirects

    config = tmp_path / "netlify.toml"
    config.write_text((ROOT / "netlify.toml").read_text(encoding="utf-8"), encoding="utf-8")
    output = tmp_path / "output"
    output.mkdir()
    environ = {
        "BOOKING_FUNCTION_URL": "https://abc123xyz.lambda-url.eu-west-2.on.aws/",
        "PROXY_SIGNATURE_SECRET": "set in Netlify, never in the repository",
    }
    write_redirects(output, environ, config)
    (rule,) = tomllib.loads(config.read_text(encoding="utf-8"))["redirects"]
    assert rule["from"] == "/api/*" and rule["to"] == "https://abc123xyz.lambda-url.eu-west-2.on.aws/api/:splat"
    assert rule["status"] == 200 and rule["force"] is True
    assert rule["signed"] == "PROXY_SIGNATURE_SECRET"  # the variable's name: its value never leaves Netlify
    assert rule["rate_limit"] == {"window_limit": 20, "window_size": 60, "aggregate_by": ["ip", "domain"]}
    assert not (output / "_redirects").exists()
