"""Pelican plugin: joins content/events/*.md to content/fees.yaml, stops the build on any mistake, and gives
templates ready-made prices, JSON-LD and a .ics per event; what templates get: README.md beside this file."""

from __future__ import annotations

from pelican import signals
from pelican.plugins.event_site.assets import minify_and_fingerprint, register_filter
from pelican.plugins.event_site.html_whitespace import compacting_writer
from pelican.plugins.event_site.site import EventSite


def register() -> None:
    site = EventSite()
    signals.initialized.connect(site.configure, weak=False)
    signals.readers_init.connect(site.keep_headers, weak=False)
    signals.article_generator_finalized.connect(site.join_events, weak=False)
    signals.page_generator_finalized.connect(site.fill_pages, weak=False)
    signals.finalized.connect(site.write_calendars, weak=False)
    signals.finalized.connect(site.write_price_files, weak=False)
    signals.finalized.connect(site.write_admin, weak=False)
    signals.initialized.connect(register_filter)
    signals.finalized.connect(minify_and_fingerprint)
    signals.get_writer.connect(compacting_writer)
