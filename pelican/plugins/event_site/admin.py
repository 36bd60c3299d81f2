"""The organisers' CMS at /admin/: theme/admin/ plus the pinned Decap bundle and YAML reader from node_modules/.

Copied by the build so /admin/ loads from the site's own origin. Without node_modules/ (npm not run) a
local build leaves the CMS out with a warning; a production build (CMS_REQUIRED) stops instead.
"""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path
from typing import Any

from pricing import Problem

log = logging.getLogger(__name__)
ADMIN_DIR = "admin"
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


class AdminProblem(Exception):
    """The CMS cannot be added to a build that must have it; `problem` says what to do."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


def github_repository(url: str) -> str:
    """'https://github.com/owner/repo(.git)' -> 'owner/repo'; '' for anything else."""
    match = re.match(r"^(?:https://github\.com/|git@github\.com:)([^/]+/[^/]+?)(?:\.git)?/?$", url.strip())
    return match.group(1) if match else ""


def node_modules(settings: dict[str, Any]) -> Path:
    """node_modules/ beside the theme (the project's root), unless CMS_NODE_MODULES says where."""
    configured = settings.get("CMS_NODE_MODULES")
    return Path(configured) if configured else Path(settings["THEME"]).resolve().parent / "node_modules"


def write_admin(settings: dict[str, Any], output: Path) -> bool:
    """Write output/admin/; False (with a warning) when Decap is not installed and the build may go without it."""
    modules = node_modules(settings)
    decap = modules / "decap-cms" / "dist"
    yaml = modules / "yaml" / "browser" / "dist"
    if not (decap / "decap-cms.js").is_file() or not (yaml / "index.js").is_file():
        missing = decap / "decap-cms.js" if not (decap / "decap-cms.js").is_file() else yaml / "index.js"
        if settings.get("CMS_REQUIRED"):
            raise AdminProblem(
                Problem(
                    str(missing),
                    "(file)",
                    "is missing: run `npm ci` before the build (the CMS at /admin/ is made from it)",
                )
            )
        log.warning("No CMS at /admin/ in this build: %s is missing (run `npm ci` to add it).", missing)
        return False
    target = output / ADMIN_DIR
    shutil.copytree(Path(settings["THEME"], "admin"), target, dirs_exist_ok=True)
    # decap-cms.js loads its other parts (N.decap-cms.js) from beside itself; the source maps stay out.
    for part in decap.glob("*decap-cms.js"):
        shutil.copy2(part, target / part.name)
    shutil.copytree(yaml, target / "vendor" / "yaml", dirs_exist_ok=True)
    repository = str(settings.get("CMS_REPOSITORY") or "").strip() or github_repository(
        str(settings.get("CMS_REPOSITORY_URL") or "")
    )
    if repository:
        if not _REPO.match(repository):
            raise AdminProblem(
                Problem("CMS_REPOSITORY", "CMS_REPOSITORY", f'must be owner/repository on GitHub, not "{repository}"')
            )
        config = target / "config.yml"
        config.write_text(
            config.read_text(encoding="utf-8").replace("repo: OWNER/REPOSITORY", f"repo: {repository}", 1),
            encoding="utf-8",
        )
    return True
