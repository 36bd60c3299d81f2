"""The booker's private page and each delegate's access-needs page, as steps of the booking's life.

Two kinds of signed link open a booking (booking.links; nothing about them is stored but the booking's
`link_version`):
- the booker's **manage** link names the booking and the link version it was made for; a new link (the booker
  asks for one on the page) raises the version, so every older link stops working;
- a delegate's **access-needs** link names the booking, one delegate position and (as a short hash) the address
  that place had when the link was made, so after a substitution the old delegate's link opens nothing.
Both expire when the event ends. A save is compare-and-set: it applies only to the version the person was
shown, and each booking takes at most CHANGES_PER_DAY changes a day (a counter in the store, in the same write).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from adapters.content.events import EventFacts
from adapters.mail.compose import About, Letterhead
from adapters.store import BookingStore, Take
from booking import life, links
from booking.life import AccessNeedsChanged, Booking, Change, DelegatesChanged, LinkReplaced
from booking.record import Attendee, BookingRecord
from flows.advance import Step, advance
from pricing import FeeTable
from pricing.models import UK

MANAGE = "manage"
ACCESS_NEEDS = "access-needs"
# Saves through a booking's links per booking per UK calendar day (the booker's page and the delegates' own
# access-needs pages together). A new link is never counted: the booker can always revoke a leaked one.
CHANGES_PER_DAY = 10
_PERSON_KEY_LENGTH = 16  # hex digits of SHA-256: enough to tell one address from another, and no address in a URL


@dataclass(frozen=True)
class ManageLink:
    """The booker's link: booking `ref`, valid while the booking's link version is `link_version`."""

    ref: str
    link_version: int


@dataclass(frozen=True)
class AccessLink:
    """A delegate's link: booking `ref`, delegate `position`, for the person whose address hashes to `person`."""

    ref: str
    position: int
    person: str

    def holder(self, record: BookingRecord) -> Attendee | None:
        """The delegate this link is for, while the place is still theirs; None once it went to someone else."""
        if not 0 <= self.position < len(record.delegates):
            return None
        delegate = record.delegates[self.position]
        return delegate if person_key(delegate.email) == self.person else None


def person_key(email: str) -> str:
    return hashlib.sha256(email.casefold().encode("utf-8")).hexdigest()[:_PERSON_KEY_LENGTH]


def link_expiry(facts: EventFacts, fees: FeeTable) -> datetime:
    """When the event ends (UK time); for an event whose date is unknown, when its booking closes."""
    if facts.day is not None:
        try:
            ends = time.fromisoformat(facts.ends) if facts.ends else time(23, 59)
        except ValueError:
            ends = time(23, 59)
        return datetime.combine(facts.day, ends, tzinfo=UK)
    return fees.events[facts.slug].booking_closes


def manage_url(site_url: str, record: BookingRecord, *, secret: str, expires: datetime) -> str:
    """The booker's private link to the booking at its current link version."""
    token = links.sign(
        {"ref": record.ref, "lv": record.link_version},
        purpose=MANAGE,
        secret=secret,
        expires_at=int(expires.timestamp()),
    )
    return f"{site_url}/api/bookings/manage?t={token}"


def access_needs_url(site_url: str, record: BookingRecord, position: int, *, secret: str, expires: datetime) -> str:
    """Delegate `position`'s own link to their access needs."""
    payload = {"ref": record.ref, "d": position, "who": person_key(record.delegates[position].email)}
    token = links.sign(payload, purpose=ACCESS_NEEDS, secret=secret, expires_at=int(expires.timestamp()))
    return f"{site_url}/api/bookings/manage?t={token}"


def booking_links(record: BookingRecord, *, site_url: str, secret: str, expires: datetime) -> dict[str, str]:
    """The links About.links carries for a booking's messages: "manage" (the booker's) and "access.<position>"
    (each delegate's own)."""
    found = {"manage": manage_url(site_url, record, secret=secret, expires=expires)}
    for position in range(len(record.delegates)):
        found[f"access.{position}"] = access_needs_url(site_url, record, position, secret=secret, expires=expires)
    return found


def open_token(token: str, *, secret: str, now: datetime) -> ManageLink | AccessLink:
    """What a token grants; links.LinkInvalid (not ours, altered, or for something else) or links.LinkExpired."""
    moment = now.timestamp()
    try:
        data = links.open_link(token, purpose=MANAGE, secret=secret, now=moment)
    except links.LinkInvalid:
        data = links.open_link(token, purpose=ACCESS_NEEDS, secret=secret, now=moment)
        ref, position, person = data.get("ref"), data.get("d"), data.get("who")
        if not isinstance(ref, str) or type(position) is not int or not isinstance(person, str):
            raise links.LinkInvalid("not an access-needs link") from None
        return AccessLink(ref, position, person)
    ref, version = data.get("ref"), data.get("lv")
    if not isinstance(ref, str) or type(version) is not int:
        raise links.LinkInvalid("not a manage link")
    return ManageLink(ref, version)


def changes_key(ref: str, day: date) -> str:
    """The counter of changes made to booking `ref` through its links on `day` (UK)."""
    return f"COUNTER#changes#{ref}#{day.isoformat()}"


def change_cap(ref: str, now: datetime) -> Take:
    """One change taken from today's allowance; the counter goes two days after the day it counts."""
    day = now.astimezone(UK).date()
    gone = datetime.combine(day + timedelta(days=2), time(0, 0), tzinfo=UK)
    return Take(changes_key(ref, day), 1, CHANGES_PER_DAY, int(gone.timestamp()))


def edit_delegates(record: BookingRecord, sent: Sequence[Attendee]) -> tuple[BookingRecord, tuple[Change, ...]]:
    """The record with the delegates the booker sent (same number, in order), and what changed. The link holder
    never sees or sets access needs: a delegate who stays keeps theirs; a new person starts with none and gives
    their own from the link in their confirmation."""
    updated, changes = record, []
    for position, (before, typed) in enumerate(zip(record.delegates, sent, strict=True)):
        change = Change(position, before, typed)
        after = typed.model_copy(update={"access_needs": "" if change.replaced else before.access_needs})
        if after == before:
            continue
        change = Change(position, before, after)
        updated = updated.substitute(position, after) if change.replaced else updated.amend(position, after)
        changes.append(change)
    return updated, tuple(changes)


def _step(
    store: BookingStore,
    ref: str,
    event: Callable[[Booking | None], life.Event | None],
    *,
    about: Callable[[Booking], About],
    letterhead: Letterhead,
    cap: Sequence[Take] = (),
) -> Step:
    return advance(store, ref, event, about=about, letterhead=letterhead, takes=lambda _transition: cap)


def save_delegates(
    store: BookingStore,
    ref: str,
    version: int,
    sent: Sequence[Attendee],
    *,
    about: Callable[[Booking], About],
    letterhead: Letterhead,
    now: datetime,
) -> Step:
    """The booker's save: applied only if the booking is still at `version` (Step.transition is None
    otherwise, and Step.booking is the booking as it is now). Raises LimitReached past today's changes."""

    def event(current: Booking | None) -> life.Event | None:
        if current is None or current.version != version:
            return None
        record, changes = edit_delegates(current.record, sent)
        return DelegatesChanged(record, changes)

    return _step(store, ref, event, about=about, letterhead=letterhead, cap=[change_cap(ref, now)])


def replace_link(
    store: BookingStore,
    ref: str,
    link_version: int,
    *,
    about: Callable[[Booking], About],
    letterhead: Letterhead,
    now: datetime,
) -> Step:
    """A new link for the booker (e-mailed to them), made only while the link used is the current one."""

    def event(current: Booking | None) -> life.Event | None:
        if current is None or current.record.link_version != link_version:
            return None
        return LinkReplaced(now.astimezone(UK).isoformat(timespec="seconds"))

    return _step(store, ref, event, about=about, letterhead=letterhead)


def save_access_needs(
    store: BookingStore,
    link: AccessLink,
    version: int,
    access_needs: str,
    *,
    about: Callable[[Booking], About],
    letterhead: Letterhead,
    now: datetime,
) -> Step:
    """A delegate's own access needs, applied only if the booking is still at `version` and the place is still
    theirs. Raises LimitReached past today's changes."""

    def event(current: Booking | None) -> life.Event | None:
        if current is None or current.version != version or link.holder(current.record) is None:
            return None
        return AccessNeedsChanged(link.position, access_needs)

    return _step(store, link.ref, event, about=about, letterhead=letterhead, cap=[change_cap(link.ref, now)])
