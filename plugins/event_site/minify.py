"""Minify the theme's CSS and JS in the built site, so sources stay readable and the event page stays under 50 KB."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import rcssmin
import rjsmin


def minify_theme(pelican: Any) -> None:
    """Rewrite output/<THEME_STATIC_DIR>/**/*.js and *.css in place (idempotent)."""
    root = Path(pelican.output_path, pelican.settings.get("THEME_STATIC_DIR", "theme"))
    for pattern, minify in (("*.js", rjsmin.jsmin), ("*.css", rcssmin.cssmin)):
        for path in root.rglob(pattern):
            path.write_text(minify(path.read_text(encoding="utf-8")).strip() + "\n", encoding="utf-8")
