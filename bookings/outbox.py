"""`python -m bookings outbox [--retry]`: what waits in the outbox to be e-mailed, and sending it.

Every message the site sends (confirmations, changes, refunds, joining instructions, certificates) is written
to the bookings table with the change that causes it, then delivered. What the mail server did not take
(it was down, or deferred it) waits there; the webhook's next delivery and the scheduled run retry it, and
so does this command with --retry. Addresses are shown here, on the organiser's terminal, and never logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO

from bookings.context import MailSettings, open_store, store_errors


def outbox(retry: bool, environ: Mapping[str, str], stdout: TextIO, stderr: TextIO) -> int:
    mail = MailSettings.from_env(environ) if retry else None
    store = open_store(environ)
    with store_errors(store):
        waiting = store.pending()
        groups: dict[tuple[str, str], list[str]] = {}
        for item in waiting:
            groups.setdefault((item.ref, item.kind), []).append(item.to)
        for (ref, kind), addresses in groups.items():
            print(f"{ref}  {kind}  {_people(len(addresses))}: {', '.join(addresses)}", file=stdout)
        bookings = len({ref for ref, _ in groups})
        if not waiting:
            print("nothing is waiting in the outbox", file=stdout)
            return 0
        print(f"{_count(len(waiting), 'message')} waiting, for {_count(bookings, 'booking')}", file=stdout)
        if mail is None:
            return 0
        from adapters.mail.outbox import deliver

        with mail.session() as session:
            done = deliver(store, session)
    print(
        f"sent {len(done.sent)}, refused {len(done.refused)}, still waiting {len(done.waiting)}",
        file=stdout,
    )
    for message_id in done.refused:
        print(f"bookings: refused: {message_id}: {done.reasons.get(message_id, '')}", file=stderr)
    for message_id in done.waiting:
        print(f"bookings: still waiting: {message_id}: {done.reasons.get(message_id, '')}", file=stderr)
    if done.elsewhere:
        print(f"bookings: {len(done.elsewhere)} were being sent by another run at the same moment", file=stderr)
    if done.waiting:
        print("bookings: run `python -m bookings outbox --retry` again when the mail server is back", file=stderr)
    return 1 if done.refused or done.waiting else 0


def _people(count: int) -> str:
    return _count(count, "recipient")


def _count(count: int, thing: str) -> str:
    return f"{count} {thing}{'' if count == 1 else 's'}"
