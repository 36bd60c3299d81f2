"""Write the site's _redirects: Netlify proxies /api/* to the booking function's URL, read from the deploy environment.

netlify.toml cannot read environment variables into a [[redirects]] rule, so the build writes this
rule into the publish folder instead (Netlify reads _redirects before netlify.toml's rules).
Standard library only: it runs before the project is installed, to fail a build early.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

ENV_NAME = "BOOKING_FUNCTION_URL"
# Netlify sets CONTEXT; previews may go out without a function, production never does.
LENIENT_CONTEXTS = ("deploy-preview", "branch-deploy", "dev")
# A host name (letters, digits, hyphens, dots) and an optional port: nothing a _redirects line could trip on.
_HOST = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d{1,5})?"
)
WHERE_TO_SET = (
    "Set it in Netlify (Project configuration > Environment variables) to the BookingFunctionUrl output "
    "that `sam deploy` printed, like https://abc123.lambda-url.eu-west-2.on.aws/ ."
)


class RedirectsError(Exception):
    """The deploy environment cannot give a working /api/* proxy; the message says what to set."""


def function_url(environ: Mapping[str, str]) -> str | None:
    """The function's base URL without a trailing slash; None when unset outside production."""
    raw = environ.get(ENV_NAME, "").strip()
    if not raw:
        context = environ.get("CONTEXT", "production")
        if context in LENIENT_CONTEXTS:
            return None
        raise RedirectsError(
            f"{ENV_NAME} is not set, so the booking form's /api/* requests would reach no function. {WHERE_TO_SET}"
        )
    try:
        parts = urlsplit(raw)
    except ValueError:  # e.g. an unclosed [ in the host
        parts = None
    if parts is None or parts.scheme != "https" or not _HOST.fullmatch(parts.netloc) or any(c.isspace() for c in raw):
        raise RedirectsError(f'{ENV_NAME} is "{raw}", which is not an https:// address. {WHERE_TO_SET}')
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise RedirectsError(
            f'{ENV_NAME} is "{raw}": give the Function URL itself, without a path or query '
            f"(the proxy adds /api/... to it). {WHERE_TO_SET}"
        )
    return f"https://{parts.netloc}"


def proxy_rule(base_url: str) -> str:
    """One _redirects line: status 200 makes it a rewrite (a proxy), `!` forces it over any file."""
    return f"/api/*  {base_url}/api/:splat  200!\n"


# Per client IP and site, at Netlify's edge: a person books a few times a minute at most; a script is held to this.
RATE_LIMIT_WINDOW_SECONDS = 60
RATE_LIMIT_REQUESTS = 20
SIGNATURE_ENV = "PROXY_SIGNATURE_SECRET"


def signed_proxy_rule(base_url: str) -> str:
    """The proxy as a netlify.toml rule, which (unlike a _redirects line) can be signed and rate-limited: Netlify
    adds X-Nf-Sign, a JWS made with the PROXY_SIGNATURE_SECRET environment variable, to every request it passes
    on (the function refuses any without it), and answers 429 to a client over the limit."""
    return (
        "\n# Written by devtools/deploy/redirects.py at build time: the signed, rate-limited proxy to the function.\n"
        "[[redirects]]\n"
        '  from = "/api/*"\n'
        f'  to = "{base_url}/api/:splat"\n'
        "  status = 200\n"
        "  force = true\n"
        f'  signed = "{SIGNATURE_ENV}"\n'
        "  [redirects.rate_limit]\n"
        f"    window_limit = {RATE_LIMIT_REQUESTS}\n"
        f"    window_size = {RATE_LIMIT_WINDOW_SECONDS}\n"
        '    aggregate_by = ["ip", "domain"]\n'
    )


def write_redirects(output: Path, environ: Mapping[str, str], config: Path = Path("netlify.toml")) -> str | None:
    """Put the proxy rule first in output/_redirects (first match wins); return the rule written, if any.

    With PROXY_SIGNATURE_SECRET set in the build's environment the rule goes into `config` (netlify.toml) instead,
    signed and rate-limited; Netlify reads the file's redirect rules after the build."""
    base = function_url(environ)
    if base is None:
        return None
    if environ.get(SIGNATURE_ENV, "").strip():
        rule = signed_proxy_rule(base)
        with config.open("a", encoding="utf-8") as handle:
            handle.write(rule)
        return rule
    target = output / "_redirects"
    existing = target.read_text(encoding="utf-8") if target.exists() else ""
    rule = proxy_rule(base)
    target.write_text(
        "# Written by devtools/deploy/redirects.py from " + ENV_NAME + " at build time.\n" + rule + existing,
        encoding="utf-8",
    )
    return rule


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", type=Path, help="the publish folder (output/)")
    parser.add_argument("--check", action="store_true", help="only check the environment, write nothing")
    args = parser.parse_args(argv)
    try:
        if args.check:
            base = function_url(os.environ)
            print(f"redirects: /api/* will be proxied to {base}" if base else _skipped())
            return 0
        if args.output is None or not args.output.is_dir():
            parser.error("give the publish folder that Pelican built, e.g. output")
        rule = write_redirects(args.output, os.environ)
    except RedirectsError as exc:
        print(f"redirects: {exc}", file=sys.stderr)
        return 1
    where = "netlify.toml" if os.environ.get(SIGNATURE_ENV, "").strip() else args.output / "_redirects"
    print(f"redirects: wrote {where}: {rule.strip()}" if rule else _skipped())
    return 0


def _skipped() -> str:
    return (
        f"redirects: WARNING: {ENV_NAME} is not set in this {os.environ.get('CONTEXT')} build; "
        "the preview has no /api/* proxy, so its booking form will not work."
    )


if __name__ == "__main__":
    sys.exit(main())
