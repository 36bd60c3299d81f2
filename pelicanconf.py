"""Pelican settings for building the site locally (`make build`); publishconf.py adds production."""

from __future__ import annotations

import os

# The organisation's name (SITENAME), contacts, address and VAT number are in content/organiser.yaml.
SITE_TAGLINE = "Conferences on information governance in health and care"
# Empty: every link is root-relative ("/events/…/"), so the build works on any host.
SITEURL = ""
RELATIVE_URLS = False

PATH = "content"
ARTICLE_PATHS = ["events"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images"]
TIMEZONE = "Europe/London"
DEFAULT_LANG = "en-GB"
DEFAULT_PAGINATION = False
SLUGIFY_SOURCE = "basename"

THEME = "theme"
PLUGINS = ["pelican.plugins.event_site", "pelican.plugins.sitemap"]

# The event plugin prices from FEES_PATH (default: fees.yaml inside PATH, i.e. content/fees.yaml).
# SITE_NOW decides open/closed and upcoming/past: an ISO datetime such as
# SITE_NOW=2027-01-01T09:00:00+00:00 in the environment; empty means the real current time.
SITE_NOW = os.environ.get("SITE_NOW", "")

ARTICLE_URL = "events/{slug}/"
ARTICLE_SAVE_AS = "events/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
DIRECT_TEMPLATES = ["index", "archives"]
ARCHIVES_SAVE_AS = "events/archive/index.html"
ARCHIVES_URL = "events/archive/"
for _kind in ("CATEGORY", "CATEGORIES", "TAG", "TAGS", "AUTHOR", "AUTHORS"):
    globals()[f"{_kind}_SAVE_AS"] = ""
YEAR_ARCHIVE_SAVE_AS = MONTH_ARCHIVE_SAVE_AS = DAY_ARCHIVE_SAVE_AS = ""
ARTICLE_TRANSLATION_ID = None
PAGE_TRANSLATION_ID = None

# One Atom feed of events; no RSS, no per-category feeds.
FEED_ALL_ATOM = "feeds/events.atom.xml"
FEED_DOMAIN = (os.environ.get("SITE_URL") or "http://127.0.0.1:8000").rstrip("/")
FEED_ALL_RSS = CATEGORY_FEED_ATOM = CATEGORY_FEED_RSS = None
AUTHOR_FEED_ATOM = AUTHOR_FEED_RSS = TRANSLATION_FEED_ATOM = None
SITEMAP = {"format": "xml", "exclude": ["^404\\.html$"]}

# No `toc` extension: nothing links to the prose headings' ids, and it cost ~10% of reading.
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.meta": {},
    },
    "output_format": "html5",
}
# Escape by default: titles such as "Information Sharing & The Police" come from organisers.
# auto_reload off: Jinja would otherwise stat every included template's file at each include
# (a dozen per event page); each build makes a new Environment anyway, so edits are still seen.
JINJA_ENVIRONMENT = {"autoescape": True, "trim_blocks": True, "lstrip_blocks": True, "auto_reload": False}
