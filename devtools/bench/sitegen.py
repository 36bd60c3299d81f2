"""Generate a site of N events (Markdown + fee-table entries) and the same N as plain Pelican pages.

Each event copies the prose of content/events/caldicott-police-2027.md, so both sites convert the
same Markdown; only the header, the fee-table entry and our plugin/theme differ.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

from devtools.bench.common import ROOT

TEMPLATE_EVENT = ROOT / "content" / "events" / "caldicott-police-2027.md"
SITE_NOW = "2027-01-01T09:00:00+00:00"
FIRST_DAY = date(2027, 3, 1)

_TARIFFS = """\
currency: GBP
vat_percent: 20
invoice_due_days: 30

discounts:
  additional_delegate_percent: 15
  online_payment_percent: 10

tariffs:
  virtual:
    label: Virtual conference
    categories:
      public-sector:
        label: NHS, Schools, Care and Public Sector
        net: "295.00"
      voluntary:
        label: Voluntary sector & charities
        net: "250.00"
      commercial:
        label: Commercial organisations
        net: "495.00"

events:
"""


def _body() -> str:
    text = TEMPLATE_EVENT.read_text(encoding="utf-8")
    return text.split("\n\n", 1)[1]  # everything after the header


def _slug(i: int) -> str:
    return f"bench-conference-{i:05d}"


def _day(i: int) -> date:
    return FIRST_DAY + timedelta(days=i % 1000)


def write_event_site(folder: Path, events: int, max_delegates: int = 20) -> Path:
    """content/ with N events, our pages and images, and a fee table entry each; returns content/."""
    content = folder / "content"
    if content.exists():
        shutil.rmtree(content)
    (content / "events").mkdir(parents=True)
    shutil.copytree(ROOT / "content" / "pages", content / "pages")
    shutil.copytree(ROOT / "content" / "images", content / "images")
    shutil.copy2(ROOT / "content" / "organiser.yaml", content / "organiser.yaml")
    body = _body()
    fees = [_TARIFFS]
    for i in range(events):
        slug, day = _slug(i), _day(i)
        other = _slug((i + 1) % events) if events > 1 else ""
        header = [
            f"Title: Information Sharing & The Police {i}: Caldicott Principles and Sharing Between Police and Health Services",
            f"Date: {day.isoformat()}",
            "Starts: 09:30",
            "Ends: 16:00",
            "Format: virtual",
            "Hashtag: #CaldicottPolice",
            "CPD_hours: 5",
            *([f"Also_of_interest: {other}"] if other else []),
            f"Summary: Conference {i}: when and how health and care services should share information with the police.",
        ]
        (content / "events" / f"{slug}.md").write_text("\n".join(header) + "\n\n" + body, encoding="utf-8")
        closes = day - timedelta(days=1)
        fees.append(
            f'  {slug}:\n    tariff: virtual\n    booking_closes: "{closes.isoformat()} 17:00"\n'
            f"    max_delegates: {max_delegates}\n"
        )
    (content / "fees.yaml").write_text("".join(fees), encoding="utf-8")
    return content


def write_plain_site(folder: Path, events: int) -> tuple[Path, Path]:
    """N plain Markdown articles (Title, Date, the same prose) and a settings file for stock Pelican."""
    content = folder / "content"
    if content.exists():
        shutil.rmtree(content)
    content.mkdir(parents=True)
    body = _body()
    for i in range(events):
        header = f"Title: Information Sharing & The Police {i}\nDate: {_day(i).isoformat()}\n"
        (content / f"{_slug(i)}.md").write_text(header + "\n" + body, encoding="utf-8")
    settings = folder / "plainconf.py"
    # Stock Pelican: default theme, default URLs, feeds and listings; PLUGINS = [] stops Pelican
    # from auto-loading namespace plugins installed in the venv (pelican.plugins.sitemap).
    settings.write_text(
        'AUTHOR = "Bench"\nSITENAME = "Plain Pelican"\nSITEURL = ""\nPATH = "content"\n'
        'TIMEZONE = "Europe/London"\nDEFAULT_LANG = "en"\nPLUGINS = []\n',
        encoding="utf-8",
    )
    return content, settings
