"""Production settings: pelicanconf plus the public address from the SITE_URL environment variable."""

from __future__ import annotations

import os
import runpy
from pathlib import Path

# Pelican loads a settings file by its path, so pelicanconf.py is read beside this file, not imported.
globals().update(
    {
        name: value
        for name, value in runpy.run_path(str(Path(__file__).with_name("pelicanconf.py"))).items()
        if name.isupper()
    }
)

SITEURL = os.environ.get("SITE_URL", "").rstrip("/")
FEED_DOMAIN = SITEURL
DELETE_OUTPUT_DIRECTORY = True

# The CMS at /admin/ (pelican/plugins/event_site/admin.py): a Netlify build must include it, and logs in to
# this GitHub repository (CMS_REPOSITORY=owner/repo, else the repository Netlify builds from).
CMS_REQUIRED = os.environ.get("NETLIFY") == "true"
CMS_REPOSITORY = os.environ.get("CMS_REPOSITORY", "").strip()
CMS_REPOSITORY_URL = os.environ.get("REPOSITORY_URL", "").strip()
