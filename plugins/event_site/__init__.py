"""Pelican plugin: joins content/events/*.md to content/fees.yaml, stops the build on any mistake,
gives templates ready-made prices, writes JSON-LD and a .ics per event, and minifies and fingerprints the theme's CSS and JS.

Settings: FEES_PATH (default <PATH>/fees.yaml); SITE_NOW (ISO datetime; empty = the real now),
which decides open/closed and upcoming/past. Template context: `upcoming_events` (soonest first)
and `past_events` (latest first). Jinja filters: `gbp` (pence -> "£295.00", pricing.format_pence) and `asset`
('css/site.css' -> 'assets/css/site.<hash>.css', the built file's fingerprinted name; event_site.assets).

Per event (a Pelican article; theme/templates/article.html names it `event`, so templates write
`event.booking`, `event.details`, and the shortcuts `booking` and `details`) the plugin sets:

- `article.details`: the checked header (event_site.metadata.EventMeta): title, date, starts, ends
  (datetime.time), start and end (aware datetimes, Europe/London), format ("virtual",
  "in-person", "hybrid"), venue, hashtag (without "#"), cpd_hours (Decimal or None),
  also_of_interest and supporters (tuples of str), summary.
- `article.booking` (event_site.booking.Booking), the object the booking form reads:
    slug                         str, the event's slug (= fee table key = file name)
    status                       "open" | "closed" | "sold_out" | "past"
    is_open                      bool, status == "open"
    closes                       aware datetime (Europe/London) when online booking closes
    max_delegates                int, most delegates one booking may hold
    currency                     "GBP"
    vat_percent                  str, e.g. "20"
    additional_delegate_percent  str, e.g. "15"
    online_payment_percent       str, e.g. "10"
    payments                     ("card", "invoice")
    categories                   tuple of FeeCategory(id, label, net_pence, vat_pence, gross_pence),
                                 one delegate paying by invoice, in fee table order
    prices                       dict: prices[category_id][payment][delegates] -> pricing.Quote
                                 for delegates 1..max_delegates
    price(category, payment, n)  the same lookup as a method
    example                      pricing.Quote: 3 delegates (or max_delegates if fewer) in the
                                 first category paying by card, the worked discount example
- `article.ics_url`: "events/<slug>/<slug>.ics" (prefix with SITEURL + "/").
- `article.json_ld`: schema.org Event JSON, already safe to place inside <script>.
- `article.booking_prices`: the booking form script's price data (event_site.form_prices), JSON
  with every amount already formatted ("£1,234.56"), safe inside <script type="application/json">.
- `article.also_of_interest`: list of other event articles to link to.

The build also writes the organisers' CMS to /admin/ (event_site.admin).
"""

from __future__ import annotations

from pelican import signals

from event_site.assets import minify_and_fingerprint, register_filter
from event_site.site import EventSite


def register() -> None:
    site = EventSite()
    signals.initialized.connect(site.configure, weak=False)
    signals.article_generator_finalized.connect(site.join_events, weak=False)
    signals.finalized.connect(site.write_calendars, weak=False)
    signals.finalized.connect(site.write_admin, weak=False)
    signals.initialized.connect(register_filter)
    signals.finalized.connect(minify_and_fingerprint)
