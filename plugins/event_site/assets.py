"""The theme's CSS and JS in the built site: minified, so sources stay readable and the event page stays under
50 KB, and fingerprinted, because netlify.toml lets browsers keep /theme/* for a year: a changed file needs a new name."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Callable

import rcssmin
import rjsmin

MINIFIERS: dict[str, Callable[[str], str]] = {".js": rjsmin.jsmin, ".css": rcssmin.cssmin}


def fingerprinted(source: Path, name: str) -> str:
    """'css/site.css' -> 'css/site.<10 hex digits of its source's SHA-256>.css'."""
    digest = hashlib.sha256((source / name).read_bytes()).hexdigest()[:10]
    stem, _, suffix = name.rpartition(".")
    return f"{stem}.{digest}.{suffix}"


def register_filter(pelican: Any) -> None:
    """Templates write {{ 'css/site.css'|asset }} for the file's fingerprinted path under the theme's folder."""
    source = Path(pelican.settings["THEME"], "static")
    folder = pelican.settings.get("THEME_STATIC_DIR", "theme")
    pelican.settings.setdefault("JINJA_FILTERS", {})["asset"] = lambda name: f"{folder}/{fingerprinted(source, name)}"


def minify_and_fingerprint(pelican: Any) -> None:
    """Minify output/<THEME_STATIC_DIR>/**/*.{css,js} in place and write each again under its fingerprinted name.

    The plain names stay for pages that link them directly (the booking function's own pages).
    """
    source = Path(pelican.settings["THEME"], "static")
    root = Path(pelican.output_path, pelican.settings.get("THEME_STATIC_DIR", "theme"))
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        minify = MINIFIERS.get(path.suffix)
        if minify is None or not (source / name).is_file():
            continue  # not a theme source (e.g. an earlier build's fingerprinted copy)
        text = minify((source / name).read_text(encoding="utf-8")).strip() + "\n"
        path.write_text(text, encoding="utf-8")
        (root / fingerprinted(source, name)).write_text(text, encoding="utf-8")
