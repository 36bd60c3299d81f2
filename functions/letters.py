"""What the flows need from the function's settings to write and send mail: the letterhead, what a message says
about a booking (its event, fee category, payment, links) and a mail session. Read once per request."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from adapters.mail.compose import DEFAULT_FROM, About, Letterhead, Payment, organiser_details
from booking.life import Booking
from flows.booking import Mail
from functions.settings import Settings

if TYPE_CHECKING:
    from adapters.mail.send import MailSession


def letterhead(settings: Settings) -> Letterhead:
    organiser = organiser_details(settings.organiser_path)
    return Letterhead(
        sender=settings.mail_from or DEFAULT_FROM,
        organisers=settings.contact_email or (str(organiser.bookings.email) if organiser else None),
        site_url=settings.site_url,
        organiser=organiser,
    )


def mail(
    settings: Settings,
    *,
    payment: Payment | None = None,
    links: Callable[[Booking], Mapping[str, str]] = lambda _: {},
    extra: Mapping[str, Any] | None = None,
) -> Mail:
    """How this request's messages are composed and sent."""

    def about(booking: Booking) -> About:
        from adapters.content.events import event_facts
        from adapters.content.fees import category_label

        record = booking.record
        assert settings.events_dir is not None
        return About(
            record=record,
            event=event_facts(record.event, settings.events_dir),
            category_label=category_label(settings.fees_path, record.event, record.category),
            payment=payment,
            links=links(booking),
            extra=extra or {},
        )

    def session() -> MailSession:
        from adapters.mail.send import MailSession

        return MailSession(settings.smtp_url, settings.mail_outbox)

    return Mail(about, letterhead(settings), session)


def manage_link(settings: Settings) -> Callable[[Booking], Mapping[str, str]]:
    """The links a confirmation carries (the booker's manage link, each delegate's access-needs link), as the
    manage page signs them (functions.manage)."""

    def links(booking: Booking) -> Mapping[str, str]:
        from functions.manage import about

        return about(booking, settings).links

    return links
