"""schema.org Event JSON-LD for search engines, escaped so it cannot close its <script> element."""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from pelican.plugins.event_site.booking import BookingOffer
from pelican.plugins.event_site.metadata import EventMeta
from pricing import pence_to_decimal_text

_AVAILABILITY = {
    "open": "https://schema.org/InStock",
    "sold_out": "https://schema.org/SoldOut",
    "closed": "https://schema.org/OutOfStock",
    "past": "https://schema.org/Discontinued",
}
_ATTENDANCE = {
    "virtual": "https://schema.org/OnlineEventAttendanceMode",
    "in-person": "https://schema.org/OfflineEventAttendanceMode",
    "hybrid": "https://schema.org/MixedEventAttendanceMode",
}


def event_json_ld(
    meta: EventMeta, booking: BookingOffer, url: str, description: str, organiser: dict[str, str]
) -> dict[str, Any]:
    online = {"@type": "VirtualLocation", "url": url}
    venue = {"@type": "Place", "name": meta.venue, "address": meta.venue}
    location: Any = {"virtual": online, "in-person": venue, "hybrid": [online, venue]}[meta.format]
    return {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": meta.title,
        "description": description,
        "startDate": meta.start.isoformat(),
        "endDate": meta.end.isoformat(),
        "eventAttendanceMode": _ATTENDANCE[meta.format],
        "eventStatus": "https://schema.org/EventScheduled",
        "location": location,
        "url": url,
        "organizer": {"@type": "Organization", **organiser},
        "offers": [
            {
                "@type": "Offer",
                "name": category.label,
                "category": category.id,
                "price": pence_to_decimal_text(category.gross_pence),
                "priceCurrency": booking.currency,
                "availability": _AVAILABILITY[booking.status],
                "validThrough": booking.closes.isoformat(),
                "url": url,
            }
            for category in booking.categories
        ],
    }


def script_safe_json(data: dict[str, Any]) -> Markup:
    """JSON whose <, > and & are \\u escapes: no "</script>" or "<!--" can appear in the page."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return Markup(text)
