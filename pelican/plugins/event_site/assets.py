"""The theme's CSS and JS in the built site: minified, so sources stay readable and the event page stays under
50 KB, and fingerprinted into /assets/, which netlify.toml lets browsers keep for a year: a changed file gets a new name.

The plain names under /theme/ stay, revalidated on every visit, for pages that cannot know the fingerprint
(the booking function's own pages)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import rcssmin
import rjsmin

FINGERPRINTED_DIR = "assets"
MINIFIERS: dict[str, Callable[[str], str]] = {".js": rjsmin.jsmin, ".css": rcssmin.cssmin}


def fingerprinted(source: Path, name: str) -> str:
    """'css/site.css' -> 'css/site.<10 hex digits of its source's SHA-256>.css'."""
    digest = hashlib.sha256((source / name).read_bytes()).hexdigest()[:10]
    stem, _, suffix = name.rpartition(".")
    return f"{stem}.{digest}.{suffix}"


def register_filter(pelican: Any) -> None:
    """Templates write {{ 'css/site.css'|asset }} for the file's fingerprinted path, 'assets/css/site.<hash>.css'."""
    source = Path(pelican.settings["THEME"], "static")
    pelican.settings.setdefault("JINJA_FILTERS", {})["asset"] = lambda name: (
        f"{FINGERPRINTED_DIR}/{fingerprinted(source, name)}"
    )


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
