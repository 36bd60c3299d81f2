"""EventSite: the work behind the plugin's signals; it joins events to fees and stops a bad build."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import pass_context
from markupsafe import Markup, escape

from pelican.plugins.event_site.admin import ADMIN_DIR, AdminProblem, write_admin
from pelican.plugins.event_site.assets import csp_problem
from pelican.plugins.event_site.booking import BookingOffer, Ladders, build_offer
from pelican.plugins.event_site.calendar import event_calendar
from pelican.plugins.event_site.form_prices import form_prices, standard_prices
from pelican.plugins.event_site.html_whitespace import compact_files
from pelican.plugins.event_site.metadata import EventMeta, check_event_file
from pelican.plugins.event_site.privacy import fill_retention
from pelican.plugins.event_site.reader import Headers, keep_headers
from pelican.plugins.event_site.structured import event_json_ld, script_safe_json
from pricing import FeeTable, FeeTableError, Problem, format_pence, format_percent, load_fee_table
from pricing.models import UK
from pricing.organiser import load_organiser

log = logging.getLogger(__name__)
ALSO_OF_INTEREST_MAX = 3
PRICES_DIR = "assets/prices"
FORM_TEMPLATE = "_booking_form.html"
_SLOT = Markup("\x00event\x00")  # where each event's slug goes in a shared booking form; Pelican never writes NUL


@lru_cache(maxsize=256)
def _real_folder(folder: str) -> str:
    return os.path.realpath(folder)


def _real(path: str | Path) -> str:
    """The file's path with its folder's symlinks resolved: one realpath per folder, not per event file."""
    folder, name = os.path.split(os.path.abspath(path))
    return os.path.join(_real_folder(folder), name)


def _display(path: Path) -> str:
    """The path organisers see in messages: relative to the working directory when it is inside it."""
    real, here = Path(_real(path)), Path(_real_folder(os.getcwd()))
    return str(real.relative_to(here)) if real.is_relative_to(here) else str(path)


def public_base(settings: dict[str, Any]) -> str:
    """Absolute site address for .ics and JSON-LD links: SITEURL, else the feed domain."""
    return str(settings.get("SITEURL") or settings.get("FEED_DOMAIN") or "").rstrip("/")


def gbp(pence: int) -> str:
    """Jinja filter: 29500 -> "£295.00"."""
    return format_pence(pence)


def parse_now(text: str) -> datetime:
    """SITE_NOW as an aware datetime; a time without an offset is UK time; empty means now."""
    if not text.strip():
        return datetime.now(UTC)
    moment = datetime.fromisoformat(text.strip())
    return moment if moment.tzinfo else moment.replace(tzinfo=UK)


class BuildStopped(SystemExit):
    """Ends the pelican command with status 1 after the problems are printed (no traceback)."""


class EventSite:
    """Holds what one build learned about its events between Pelican's signals."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)
        self.events: list[Any] = []
        self.price_files: dict[str, str] = {}
        self.site_url = ""
        self.headers: Headers = {}
        # (tariff, maximum delegates, early rate) -> the booking form rendered with _SLOT for the event's slug.
        self.forms: dict[tuple[str, int, tuple[Decimal, datetime] | None], str] = {}

    def keep_headers(self, readers: Any) -> None:
        keep_headers(readers, self.headers)

    def configure(self, pelican: Any) -> None:
        settings = pelican.settings
        # The organiser's details come from content/organiser.yaml (the CMS edits it too), not from settings.
        path = Path(settings.get("ORGANISER_PATH") or os.path.join(settings["PATH"], "organiser.yaml"))
        try:
            organiser = load_organiser(path, _display(path))
        except FeeTableError as exc:
            self._stop(exc.problems)
        # The pages' inline first-screen CSS must be allowed by the policy netlify.toml serves them with.
        csp = csp_problem(settings["THEME"], Path(settings["THEME"]).resolve().parent / "netlify.toml", _display)
        if csp is not None:
            self._stop([csp])
        settings["ORGANISER"] = organiser
        settings["SITENAME"] = settings["AUTHOR"] = organiser.name
        filters = pelican.settings.setdefault("JINJA_FILTERS", {})
        filters["gbp"] = gbp
        filters["percent"] = format_percent
        settings.setdefault("JINJA_GLOBALS", {})["booking_form"] = self.booking_form_global()

    def booking_form_global(self) -> Any:
        """The template global {{ booking_form(article) }}: _booking_form.html for the article's event.

        The form differs between events only in the hidden `event` field: it is rendered once per build for
        each (tariff, maximum delegates, early rate), the key its price data is shared under, with a slot
        where the slug goes, and each event's page gets that text with its own slug in the slot."""

        @pass_context
        def booking_form(context: Any, article: Any) -> Markup:
            key = article.booking_form_key
            shared = self.forms.get(key)
            if shared is None:
                template = context.environment.get_template(FORM_TEMPLATE)
                shared = self.forms[key] = template.render({**context.get_all(), "form_event": _SLOT})
            return Markup(shared.replace(_SLOT, str(escape(article.slug))))

        return booking_form

    def fill_pages(self, generator: Any) -> None:
        """The privacy page's retention section from the organiser's schedule; a page without its place stops the build."""
        problems = fill_retention(generator)
        if problems:
            self._stop(problems)

    def join_events(self, generator: Any) -> None:
        settings = generator.settings
        self.site_url = str(settings.get("SITEURL") or "").rstrip("/")
        problems: list[Problem] = []
        try:
            self.now = parse_now(str(settings.get("SITE_NOW") or ""))
        except ValueError:
            problems.append(
                Problem(
                    "SITE_NOW",
                    "SITE_NOW",
                    f'must be a date and time like 2027-01-31T09:00:00+00:00, not "{settings["SITE_NOW"]}"',
                )
            )
        fees_path = Path(settings.get("FEES_PATH") or os.path.join(settings["PATH"], "fees.yaml"))
        fees: FeeTable | None = None
        try:
            fees = load_fee_table(fees_path, _display(fees_path))
        except FeeTableError as exc:
            problems.extend(exc.problems)

        # Headers Pelican's reader kept as it read the files; one it could not read is read here.
        headers = {_real(source): header for source, header in self.headers.items()}
        self.headers.clear()
        metas: dict[str, tuple[Path, EventMeta | None]] = {}
        for folder in settings["ARTICLE_PATHS"]:
            for path in sorted(Path(settings["PATH"], folder).rglob("*.md")):
                meta, found = check_event_file(path, _display(path), headers.get(_real(path)))
                problems.extend(found)
                metas[path.stem] = (path, meta)

        articles = {
            _real(a.source_path): a
            for a in [*generator.articles, *generator.drafts, *getattr(generator, "hidden_articles", [])]
        }
        if fees is not None:
            for slug in fees.events:
                if slug not in metas:
                    problems.append(
                        Problem(
                            _display(fees_path),
                            f"events.{slug}",
                            f"has no event page: add content/events/{slug}.md or remove this entry",
                        )
                    )
            for slug, (path, _) in metas.items():
                if slug not in fees.events:
                    problems.append(
                        Problem(
                            _display(path),
                            "slug",
                            f'"{slug}" has no entry under events: in {_display(fees_path)}, so it cannot be priced or booked',
                        )
                    )
        for slug, (path, meta) in metas.items():
            if meta is None:
                continue
            for other in meta.also_of_interest:
                if other not in metas or other == slug:
                    problems.append(
                        Problem(_display(path), "also_of_interest", f'"{other}" is not another event in content/events')
                    )
            if _real(path) not in articles:
                problems.append(
                    Problem(_display(path), "(file)", "Pelican could not read this event; see its message above")
                )
        if problems:
            self._stop(problems)
        assert fees is not None  # no problems means the fee table loaded
        self._attach(generator, fees, {slug: (articles[_real(p)], m) for slug, (p, m) in metas.items() if m})

    def _attach(self, generator: Any, fees: FeeTable, joined: dict[str, tuple[Any, EventMeta]]) -> None:
        settings = generator.settings
        base = public_base(settings)
        organiser = {
            "name": settings.get("SITENAME", ""),
            "url": f"{base}/",
            "email": settings["ORGANISER"].bookings.email,
        }
        ladders: Ladders = {}
        self.forms = {}
        # The form's price data depends only on the tariff, the maximum and a running early rate: one JSON text each.
        price_data: dict[tuple[str, int, tuple[Decimal, datetime] | None], str] = {}
        for slug, (article, meta) in joined.items():
            path = article.url  # Pelican formats it anew at every read
            url = f"{base}/{path}"
            article.details = meta
            article.booking = build_offer(fees, slug, meta.end, self.now, ladders)
            article.ics_url = f"{path}{slug}.ics"
            description = meta.summary or Markup(article.summary or "").striptags() or meta.title
            article.json_ld = script_safe_json(event_json_ld(meta, article.booking, url, description, organiser))
            entry = fees.events[slug]
            early = article.booking.early
            key = (entry.tariff, entry.max_delegates, (early.percent, early.until) if early else None)
            if key not in price_data:
                price_data[key] = script_safe_json(form_prices(article.booking, self._standard_file(article.booking)))
            article.booking_prices = price_data[key]
            article.booking_form_key = key
        events = sorted((a for a, _ in joined.values() if a.status == "published"), key=lambda a: a.details.start)
        upcoming = [a for a in events if a.booking.status != "past"]
        past = [a for a in reversed(events) if a.booking.status == "past"]
        by_slug = {a.slug: a for a in events}
        for article, meta in joined.values():
            chosen = [by_slug[s] for s in meta.also_of_interest if s in by_slug]
            article.also_of_interest = chosen or [a for a in upcoming if a is not article][:ALSO_OF_INTEREST_MAX]
        generator.context["upcoming_events"] = upcoming
        generator.context["past_events"] = past
        self.events = [a for a, _ in joined.values()]

    def _standard_file(self, booking: BookingOffer) -> str:
        """While an early rate runs, the standard prices go in a file of their own (named by its content, so a
        year-long cache is safe) that the form's script fetches only once the rate has ended; returns its URL."""
        if booking.early is None:
            return ""
        text = json.dumps(standard_prices(booking), ensure_ascii=False, separators=(",", ":"))
        name = f"{PRICES_DIR}/{hashlib.sha256(text.encode()).hexdigest()[:10]}.json"
        self.price_files[name] = text
        return f"{self.site_url}/{name}"

    def write_price_files(self, pelican: Any) -> None:
        for name, text in self.price_files.items():
            target = Path(pelican.output_path, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")

    def write_calendars(self, pelican: Any) -> None:
        settings = pelican.settings
        base = public_base(settings)
        name = settings.get("SITENAME", "")
        email = settings["ORGANISER"].bookings.email
        for article in self.events:
            path = article.url
            folder = os.path.join(pelican.output_path, path)
            os.makedirs(folder, exist_ok=True)
            ics = event_calendar(article.details, article.slug, f"{base}/{path}", name, email, self.now)
            with open(os.path.join(folder, f"{article.slug}.ics"), "wb") as out:
                out.write(ics)

    def write_admin(self, pelican: Any) -> None:
        try:
            written = write_admin(pelican.settings, Path(pelican.output_path))
        except AdminProblem as exc:
            self._stop([exc.problem])
        if written:
            compact_files(Path(pelican.output_path, ADMIN_DIR))

    @staticmethod
    def _stop(problems: list[Problem]) -> None:
        unique = sorted(dict.fromkeys(problems), key=lambda p: p.file)  # stable: per-file order kept
        noun = "problem" if len(unique) == 1 else "problems"
        lines = [
            f"The site was not built: fix {len(unique)} {noun} in the content, then run `make build` again.",
            *map(str, unique),
        ]
        sys.stderr.write("\n".join(lines) + "\n")
        sys.stderr.flush()
        raise BuildStopped(1)
