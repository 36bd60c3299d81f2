"""The outbox: messages are written to the store with the transition that causes them, then delivered here.

A message is marked sent only after the mail server accepted it, so nothing is lost when the server is down
(it stays pending for the next delivery, the scheduled run or `python -m bookings outbox --retry`), and it
is sent twice only if the mark itself fails after the server accepted it; its Message-ID is then the same,
so mail clients fold the repeat.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import TYPE_CHECKING

from adapters.mail.send import MailRefused, MailSession, MailUnavailable

if TYPE_CHECKING:
    from adapters.store import BookingStore, Outgoing

log = logging.getLogger("adapters.mail.outbox")


def outgoing(message_id: str, message: EmailMessage) -> Outgoing:
    """A composed message as the store keeps it: its bytes (UTF-8 headers where an address needs them)."""
    from adapters.store import Outgoing

    to = message["To"].addresses[0].addr_spec
    return Outgoing(message_id=message_id, to=to, raw=message.as_bytes(policy=policy.default.clone(utf8=True)))


def parse(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)  # policy.default makes EmailMessage
    return message


@dataclass
class Delivery:
    """What one delivery run did: messages sent, refused for good, still waiting (the server was down or
    deferred them)."""

    sent: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    elsewhere: list[str] = field(default_factory=list)  # being sent by another delivery at the same moment
    reasons: dict[str, str] = field(default_factory=dict)  # why a refused or waiting message did not go
    unreachable: bool = False  # the run stopped: the mail server could not be reached

    @property
    def complete(self) -> bool:
        return not self.waiting


def deliver(store: BookingStore, session: MailSession, ref: str | None = None) -> Delivery:
    """Send every pending message (of booking `ref`, or all), marking each as the server answers.

    Each message is claimed before it is sent, so two deliveries at once (two webhook deliveries, the back
    office beside the scheduled run) never both send it. A refusal of one recipient (5xx) marks that message
    refused and goes on; a deferral (4xx) leaves it pending; a server that cannot be reached stops the run and
    leaves the rest pending.
    """
    done = Delivery()
    items = store.pending(ref)
    for number, item in enumerate(items):
        if not store.claim(item):
            done.elsewhere.append(item.message_id)
            continue
        try:
            session.send(parse(item.raw))
        except MailRefused as exc:
            done.reasons[item.message_id] = str(exc)
            if exc.temporary:
                store.release(item)
                done.waiting.append(item.message_id)
                continue
            store.mark_refused(item, str(exc))
            done.refused.append(item.message_id)
            # The server's reply may quote the address: log only its code.
            log.warning("message %s refused (%s)", item.message_id, str(exc).split(" ", 1)[0])
            continue
        except MailUnavailable as exc:
            store.release(item)
            done.unreachable = True
            done.waiting.extend(i.message_id for i in items[number:])
            done.reasons.update((i.message_id, str(exc)) for i in items[number:])
            log.warning("mail server unavailable, %d message(s) left in the outbox: %s", len(items) - number, exc)
            break
        store.mark_sent(item)
        done.sent.append(item.message_id)
    return done
