"""The theme's CSS and JS in the built site: minified, so sources stay readable and the event page stays under
50 KB, and fingerprinted into /assets/, which netlify.toml lets browsers keep for a year: a changed file gets a new name.

The plain names under /theme/ stay, revalidated on every visit, for pages that cannot know the fingerprint
(the booking function's own pages).

The stylesheet is split for the site's own pages at its "Below the first screen" line: what is above it goes inline
in each page's <style> (`first_screen_css`), allowed by the SHA-256 hash netlify.toml's Content-Security-Policy
carries (`csp_problem` stops the build when it does not); the rest is written as css/site-rest.<hash>.css and linked
at the end of the page, so the first screen renders from the first round trip."""

from __future__ import annotations

import base64
import hashlib
import tomllib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import rcssmin
import rjsmin
from markupsafe import Markup

from pricing import Problem

FINGERPRINTED_DIR = "assets"
MINIFIERS: dict[str, Callable[[str], str]] = {".js": rjsmin.jsmin, ".css": rcssmin.cssmin}
STYLESHEET = "css/site.css"
REST = "css/site-rest.css"  # the stylesheet below its first-screen line; written only under its fingerprinted name
FIRST_SCREEN_END = "/* Below the first screen"


@lru_cache(maxsize=4)
def _split(source: Path, text: str) -> tuple[str, str]:
    critical, marker, rest = text.partition(FIRST_SCREEN_END)
    if not marker:
        raise ValueError(f"{source / STYLESHEET} has no {FIRST_SCREEN_END!r} line")
    return rcssmin.cssmin(critical).strip(), rcssmin.cssmin(marker + rest).strip() + "\n"


def stylesheet_parts(source: Path) -> tuple[str, str]:
    """The theme's stylesheet minified in two: (the first screen's rules, the rest)."""
    return _split(source, (source / STYLESHEET).read_text(encoding="utf-8"))


def first_screen_css(source: Path) -> str:
    return stylesheet_parts(source)[0]


def csp_source(css: str) -> str:
    """The CSP source that allows exactly this inline <style>: 'sha256-<base64 of its UTF-8 bytes' SHA-256>'."""
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


def csp_problem(theme: str | Path, netlify_toml: Path, display: Callable[[Path], str] = str) -> Problem | None:
    """A Problem when netlify.toml's policy for /* would block the pages' inline first-screen CSS (or allows any)."""
    if not netlify_toml.is_file():
        return None  # a site built outside this repository: its host's policy is its own business
    wanted = csp_source(first_screen_css(Path(theme, "static")))
    rules = tomllib.loads(netlify_toml.read_text(encoding="utf-8")).get("headers", [])
    policy = next((r["values"].get("Content-Security-Policy", "") for r in rules if r.get("for") == "/*"), "")
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    styles = directives.get("style-src", [])
    if wanted in styles and "'unsafe-inline'" not in styles:
        return None
    return Problem(
        display(netlify_toml),
        "Content-Security-Policy",
        f'style-src for "/*" must be "\'self\' {wanted}" (the hash of the first-screen CSS in'
        f" {display(Path(theme, 'static', STYLESHEET))}, which changed), or browsers will not apply it",
    )


def fingerprinted(source: Path, name: str) -> str:
    """'css/site.css' -> 'css/site.<10 hex digits of its source's SHA-256>.css' (REST: of its minified text)."""
    data = stylesheet_parts(source)[1].encode("utf-8") if name == REST else (source / name).read_bytes()
    digest = hashlib.sha256(data).hexdigest()[:10]
    stem, _, suffix = name.rpartition(".")
    return f"{stem}.{digest}.{suffix}"


def register_filter(pelican: Any) -> None:
    """Templates write {{ 'css/site.css'|asset }} for the file's fingerprinted path, 'assets/css/site.<hash>.css',
    and {{ first_screen_css }} for the inline part of the stylesheet."""
    source = Path(pelican.settings["THEME"], "static")
    pelican.settings.setdefault("JINJA_FILTERS", {})["asset"] = lambda name: (
        f"{FINGERPRINTED_DIR}/{fingerprinted(source, name)}"
    )
    pelican.settings.setdefault("JINJA_GLOBALS", {})["first_screen_css"] = Markup(first_screen_css(source))


def minify_and_fingerprint(pelican: Any) -> None:
    """Minify output/<THEME_STATIC_DIR>/**/*.{css,js} in place and write each again to output/assets/ under its
    fingerprinted name."""
    source = Path(pelican.settings["THEME"], "static")
    root = Path(pelican.output_path, pelican.settings.get("THEME_STATIC_DIR", "theme"))
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        minify = MINIFIERS.get(path.suffix)
        if minify is None or not (source / name).is_file():
            continue  # not a theme source
        text = minify((source / name).read_text(encoding="utf-8")).strip() + "\n"
        path.write_text(text, encoding="utf-8")
        copy = Path(pelican.output_path, FINGERPRINTED_DIR, fingerprinted(source, name))
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(text, encoding="utf-8")
        if name == STYLESHEET:
            rest = Path(pelican.output_path, FINGERPRINTED_DIR, fingerprinted(source, REST))
            rest.write_text(stylesheet_parts(source)[1], encoding="utf-8")
