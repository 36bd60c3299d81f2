"""BookingStore: the booking store on DynamoDB through boto3's low-level client.

The same code runs against AWS in production and against the local engine (devtools/dynamodb) in
development and tests. boto3 is imported only when a store is made (`from_env`), so a request that never
reaches the store (an invalid booking) never pays for importing it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.store.errors import Conflict, DuplicateMessage, LimitReached, StoreUnavailable
from adapters.store.items import MessageState, OutboxItem, Outgoing, Stored, Take, people, person_key
from booking.record import BookingRecord, document
from booking.text import canonical_address

DEFAULT_REGION = "eu-west-2"
BOOKING_SK = "BOOKING"
ERASED_SK = "ERASED"
COUNTER_SK = "COUNTER"
PENDING = "PENDING"
# A dead endpoint answers StoreUnavailable within about two seconds: short timeouts, three attempts in all.
# DYNAMODB_READ_TIMEOUT overrides the read timeout for the local engine, which answers one request at a time
# (`make dev` and the tests set it: 20 clients at once on a busy laptop wait longer than AWS ever makes them).
CONNECT_TIMEOUT_SECONDS = 1
READ_TIMEOUT_SECONDS = 2
MAX_ATTEMPTS = 3
# Connections kept open: one per thread that uses the store at once (the back office's or a test's threads).
MAX_POOL_CONNECTIONS = 32
# How long a sender holds a message it claimed: long enough to send it, short enough that a sender that died
# holding it delays the message only that long.
CLAIM_SECONDS = 300
# A transaction DynamoDB cancels because another one held an item at that instant wrote nothing: try again.
TRANSACTION_CONFLICT_TRIES = 5
MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit on one TransactWriteItems

_UNAVAILABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "ResourceNotFoundException",
        "UnrecognizedClientException",
        "AccessDeniedException",
    }
)


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(moment: datetime) -> str:
    """ISO 8601 in UTC with microseconds and a Z: sorts as text in time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def booking_pk(ref: str) -> str:
    return f"BOOKING#{ref}"


def event_pk(event: str) -> str:
    return f"EVENT#{event}"


def message_sk(message_id: str) -> str:
    return f"MSG#{message_id}"


def make_client(environ: Mapping[str, str]) -> Any:
    """A boto3 dynamodb client with short timeouts and a few retries, configured from `environ`.

    DYNAMODB_ENDPOINT (the local engine) if set, else AWS; DYNAMODB_READ_TIMEOUT (seconds) if set;
    AWS_REGION (or AWS_DEFAULT_REGION, else eu-west-2);
    AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN if `environ` has them, else boto3's own chain.
    """
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=float(environ.get("DYNAMODB_READ_TIMEOUT", "").strip() or READ_TIMEOUT_SECONDS),
        retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS},
        max_pool_connections=MAX_POOL_CONNECTIONS,
    )
    return boto3.session.Session().client(
        "dynamodb",
        region_name=environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION,
        endpoint_url=environ.get("DYNAMODB_ENDPOINT", "").strip() or None,
        aws_access_key_id=environ.get("AWS_ACCESS_KEY_ID") or None,
        aws_secret_access_key=environ.get("AWS_SECRET_ACCESS_KEY") or None,
        aws_session_token=environ.get("AWS_SESSION_TOKEN") or None,
        config=config,
    )


class BookingStore:
    """The bookings table `table` reached through `client` (a boto3 dynamodb client)."""

    def __init__(self, client: Any, table: str, *, clock: Callable[[], datetime] = _now) -> None:
        self._client = client
        self.table = table
        self._clock = clock

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> BookingStore:
        """The store named by BOOKINGS_TABLE, at DYNAMODB_ENDPOINT if set (the local engine), in AWS_REGION."""
        environ = os.environ if environ is None else environ
        table = environ.get("BOOKINGS_TABLE", "").strip()
        if not table:
            raise StoreUnavailable("BOOKINGS_TABLE is not set: the booking store's table name")
        return cls(make_client(environ), table)

    # Reading.

    def get(self, ref: str) -> Stored | None:
        """The booking `ref` as last written (a strongly consistent read), or None."""
        answer = self._call(
            "get_item", TableName=self.table, Key=_key(booking_pk(ref), BOOKING_SK), ConsistentRead=True
        )
        item = answer.get("Item")
        return None if item is None else _stored(item)

    def by_event(self, event: str) -> list[Stored]:
        """The bookings for `event`, oldest first (the by_event index)."""
        return [
            _stored(item)
            for item in self._pages(
                "query",
                TableName=self.table,
                IndexName="by_event",
                KeyConditionExpression="event_pk = :e",
                ExpressionAttributeValues={":e": {"S": event_pk(event)}},
            )
        ]

    def all_bookings(self) -> Iterator[Stored]:
        """Every booking of every event (the back office: a scan of the by_event index, which holds only bookings)."""
        for item in self._pages("scan", TableName=self.table, IndexName="by_event"):
            yield _stored(item)

    def counter(self, key: str) -> int:
        """A counter's value (0 if it was never changed)."""
        answer = self._call("get_item", TableName=self.table, Key=_key(key, COUNTER_SK), ConsistentRead=True)
        item = answer.get("Item")
        return 0 if item is None or "used" not in item else int(item["used"]["N"])

    def next_number(self, key: str) -> int:
        """The next number of a sequence (1, 2, 3, ...): one atomic ADD, so two callers at once never share one."""
        answer = self._call(
            "update_item",
            TableName=self.table,
            Key=_key(key, COUNTER_SK),
            UpdateExpression="ADD used :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="UPDATED_NEW",
        )
        return int(answer["Attributes"]["used"]["N"])

    def pending(self, ref: str | None = None) -> list[OutboxItem]:
        """Messages not sent yet, oldest first: all of them, or one booking's."""
        if ref is None:
            items = self._pages(
                "query",
                TableName=self.table,
                IndexName="pending_mail",
                KeyConditionExpression="outbox = :p",
                ExpressionAttributeValues={":p": {"S": PENDING}},
            )
        else:
            items = self._pages(
                "query",
                TableName=self.table,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :msg)",
                FilterExpression="#status = :pending",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":pk": {"S": booking_pk(ref)},
                    ":msg": {"S": "MSG#"},
                    ":pending": {"S": "pending"},
                },
                ConsistentRead=True,
            )
        return sorted((_outbox_item(item) for item in items), key=lambda item: (item.created, item.message_id))

    def messages(self, ref: str) -> list[MessageState]:
        """Every message of booking `ref` whatever its status (pending, sent, refused), oldest first, without
        their bytes: what the back office shows of a booking's mail."""
        items = self._pages(
            "query",
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :msg)",
            ProjectionExpression="#ref, message_id, #to, #status, created, sent_at, detail",
            ExpressionAttributeNames={"#ref": "ref", "#to": "to", "#status": "status"},
            ExpressionAttributeValues={":pk": {"S": booking_pk(ref)}, ":msg": {"S": "MSG#"}},
            ConsistentRead=True,
        )
        return sorted((_message_state(item) for item in items), key=lambda m: (m.created, m.message_id))

    def refs_of(self, address: str) -> list[str]:
        """Every booking that names `address` now or named it before (a replaced delegate), by reference."""
        return [
            item["ref"]["S"]
            for item in self._pages(
                "query",
                TableName=self.table,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :booking)",
                ExpressionAttributeValues={":pk": {"S": person_key(address)}, ":booking": {"S": "BOOKING#"}},
                ConsistentRead=True,
            )
            if "ref" in item
        ]

    def forget(self, address: str, ref: str) -> None:
        """The person item of `address` for booking `ref` leaves the index (its key, a hash, is removed by DynamoDB's
        time-to-live within days); only once the booking no longer names the address (else a no-op)."""
        stored = self.get(ref)
        if stored is not None and canonical_address(address) in people(stored.record):
            return
        try:
            self._call(
                "update_item",
                TableName=self.table,
                Key=_key(person_key(address), booking_pk(ref)),
                UpdateExpression="SET expires_at = :gone REMOVE #ref, former",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#ref": "ref"},
                ExpressionAttributeValues={":gone": {"N": str(int(self._clock().timestamp()))}},
            )
        except _ConditionFailed:
            return

    def bookings_of(self, address: str) -> list[Stored]:
        """The bookings that name `address` (as booker, delegate or invoice contact), through the person items
        written with each booking: one query and one read per booking, never a scan."""
        refs = self.refs_of(address)
        wanted = canonical_address(address)
        found = (self.get(ref) for ref in refs)
        named = (s for s in found if s is not None and wanted in people(s.record))
        return sorted(named, key=lambda s: (s.created, s.record.ref))

    def message_items(self, ref: str) -> list[OutboxItem]:
        """Every message of booking `ref` with its bytes, whatever its status (subject access and retention)."""
        items = self._pages(
            "query",
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :msg)",
            ExpressionAttributeValues={":pk": {"S": booking_pk(ref)}, ":msg": {"S": "MSG#"}},
            ConsistentRead=True,
        )
        return sorted((_outbox_item(item) for item in items), key=lambda m: (m.created, m.message_id))

    def erasure(self, address: str) -> dict[str, Any] | None:
        """What was kept when `address` was erased, and why (None: never erased)."""
        answer = self._call(
            "get_item", TableName=self.table, Key=_key(person_key(address), ERASED_SK), ConsistentRead=True
        )
        item = answer.get("Item")
        return None if item is None else {"at": item["at"]["S"], "kept": json.loads(item["kept"]["S"])}

    # Writing.

    def record_erasure(self, address: str, kept: list[dict[str, str]]) -> None:
        """Note that `address` was erased and what was kept by law (under its hash: the note names no one)."""
        self._call(
            "put_item",
            TableName=self.table,
            Item={
                **_key(person_key(address), ERASED_SK),
                "at": {"S": _stamp(self._clock())},
                "kept": {"S": json.dumps(kept, ensure_ascii=False, sort_keys=True)},
            },
        )

    def scrub_message(self, item: MessageState, *, body: bool, recipient: bool, withdraw: bool = False) -> bool:
        """Clear a message's bytes (`body`) and/or its address (`recipient`); `withdraw` a pending one (it becomes
        refused, never to be sent). Conditional on its status as read, and on no sender holding it: False when
        it changed meanwhile (the next run tries again)."""
        now = self._clock()
        sets = ["scrubbed_at = :now"]
        removes: list[str] = []
        values: dict[str, Any] = {":now": {"S": _stamp(now)}, ":was": {"S": item.status}}
        if body:
            sets.append("#raw = :empty")
            values[":empty"] = {"B": b""}
        if recipient:
            sets.append("#to = :nobody")
            values[":nobody"] = {"S": ""}
        if withdraw and item.status == "pending":
            sets += ["#status = :refused", "detail = :why"]
            values[":refused"] = {"S": "refused"}
            values[":why"] = {"S": "withdrawn: personal data removed before it was sent"}
            removes += ["outbox", "msg_at", "claimed_until"]
        condition = "#status = :was"
        if item.status == "pending":
            condition += " AND (attribute_not_exists(claimed_until) OR claimed_until < :now)"
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        try:
            self._call(
                "update_item",
                TableName=self.table,
                Key=_key(booking_pk(item.ref), message_sk(item.message_id)),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames={
                    "#status": "status",
                    **({"#to": "to"} if recipient else {}),
                    **({"#raw": "raw"} if body else {}),
                },
                ExpressionAttributeValues=values,
            )
        except _ConditionFailed:
            return False
        return True

    def create(
        self, record: BookingRecord, state: str, *, takes: Iterable[Take] = (), messages: Iterable[Outgoing] = ()
    ) -> Stored:
        """Write a new booking at version 1 with its counter changes and messages; Conflict if `ref` exists."""
        now = _stamp(self._clock())
        item = {
            **_key(booking_pk(record.ref), BOOKING_SK),
            "ref": {"S": record.ref},
            "event": {"S": record.event},
            "event_pk": {"S": event_pk(record.event)},
            "state": {"S": str(state)},
            "version": {"N": "1"},
            "record": {"S": document(record)},
            "created": {"S": now},
            "updated": {"S": now},
        }
        booking = {"Put": {"TableName": self.table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}
        self._transact(booking, record.ref, takes, messages, now, *self._index(record.ref, frozenset(), people(record)))
        return Stored(record=record, state=state, version=1, created=now)

    def write(
        self,
        previous: Stored,
        record: BookingRecord,
        state: str,
        *,
        takes: Iterable[Take] = (),
        messages: Iterable[Outgoing] = (),
    ) -> Stored:
        """Replace the booking read as `previous`; Conflict if it has been written since. The version goes up by one."""
        if record.ref != previous.record.ref or record.event != previous.record.event:
            raise ValueError("a write keeps the booking's reference and event")
        now = _stamp(self._clock())
        version = previous.version + 1
        booking = {
            "Update": {
                "TableName": self.table,
                "Key": _key(booking_pk(record.ref), BOOKING_SK),
                "UpdateExpression": "SET #record = :record, #state = :state, #version = :version, updated = :now",
                "ConditionExpression": "#version = :previous",
                "ExpressionAttributeNames": {"#record": "record", "#state": "state", "#version": "version"},
                "ExpressionAttributeValues": {
                    ":record": {"S": document(record)},
                    ":state": {"S": str(state)},
                    ":version": {"N": str(version)},
                    ":previous": {"N": str(previous.version)},
                    ":now": {"S": now},
                },
            }
        }
        index = self._index(record.ref, people(previous.record), people(record))
        self._transact(booking, record.ref, takes, messages, now, *index)
        return Stored(record=record, state=state, version=version, created=previous.created)

    def take(self, take: Take) -> None:
        """A counter change on its own (rate limits); LimitReached if it would pass its limit."""
        update = self._take_update(take)
        try:
            self._call("update_item", **update)
        except _ConditionFailed:
            raise LimitReached(take.key) from None

    def mark_sent(self, item: OutboxItem) -> None:
        """The message went: it leaves the pending list. Conflict if it was not pending any more."""
        self._settle(item, "sent", "")

    def mark_refused(self, item: OutboxItem, detail: str) -> None:
        """The mail server refused the message for good: it leaves the pending list with the reason."""
        self._settle(item, "refused", detail)

    def claim(self, item: OutboxItem, seconds: int = CLAIM_SECONDS) -> bool:
        """Take a pending message to send it for the next `seconds`: True if this caller has it, False if it is
        no longer pending or another sender holds it (two deliveries at once never both send a message)."""
        now = self._clock()
        try:
            self._call(
                "update_item",
                TableName=self.table,
                Key=_key(booking_pk(item.ref), message_sk(item.message_id)),
                UpdateExpression="SET claimed_until = :until",
                ConditionExpression=(
                    "#status = :pending AND (attribute_not_exists(claimed_until) OR claimed_until < :now)"
                ),
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":until": {"S": _stamp(now + timedelta(seconds=seconds))},
                    ":now": {"S": _stamp(now)},
                    ":pending": {"S": "pending"},
                },
            )
        except _ConditionFailed:
            return False
        return True

    def release(self, item: OutboxItem) -> None:
        """Give back a claimed message that stays pending (the server deferred it), for the next delivery."""
        try:
            self._call(
                "update_item",
                TableName=self.table,
                Key=_key(booking_pk(item.ref), message_sk(item.message_id)),
                UpdateExpression="REMOVE claimed_until",
                ConditionExpression="#status = :pending",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":pending": {"S": "pending"}},
            )
        except _ConditionFailed:
            return

    # Inside.

    def _settle(self, item: OutboxItem, status: str, detail: str) -> None:
        try:
            self._call(
                "update_item",
                TableName=self.table,
                Key=_key(booking_pk(item.ref), message_sk(item.message_id)),
                UpdateExpression="SET #status = :status, sent_at = :now, detail = :detail REMOVE outbox, msg_at, claimed_until",
                ConditionExpression="#status = :pending",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":status": {"S": status},
                    ":now": {"S": _stamp(self._clock())},
                    ":detail": {"S": detail},
                    ":pending": {"S": "pending"},
                },
            )
        except _ConditionFailed:
            raise Conflict(f"message {item.message_id} is no longer pending") from None

    def _take_update(self, take: Take) -> dict[str, Any]:
        if take.limit is not None and take.amount > take.limit:
            raise LimitReached(take.key)
        update: dict[str, Any] = {
            "TableName": self.table,
            "Key": _key(take.key, COUNTER_SK),
            "UpdateExpression": "ADD used :n",
            "ExpressionAttributeValues": {":n": {"N": str(take.amount)}},
        }
        if take.amount < 0:
            update["ConditionExpression"] = "used >= :back"
            update["ExpressionAttributeValues"][":back"] = {"N": str(-take.amount)}
        elif take.limit is not None:
            update["ConditionExpression"] = "attribute_not_exists(used) OR used <= :most"
            update["ExpressionAttributeValues"][":most"] = {"N": str(take.limit - take.amount)}
        if take.expires_at is not None:
            update["UpdateExpression"] += " SET expires_at = :expires"
            update["ExpressionAttributeValues"][":expires"] = {"N": str(take.expires_at)}
        return update

    def _index(self, ref: str, before: frozenset[str], after: frozenset[str]) -> tuple[list[dict[str, Any]], ...]:
        """The person items written with a booking (one per address it names, keyed by the address's hash): a new
        address gets one, an address the booking no longer names loses its own."""
        key = _key("", booking_pk(ref))
        added = [
            {"Put": {"TableName": self.table, "Item": {**key, "pk": {"S": person_key(a)}, "ref": {"S": ref}}}}
            for a in sorted(after - before)
        ]
        # An address the booking no longer names (a replaced delegate) keeps its item, marked former: messages to
        # that person may still be in the booking's outbox, and an erasure must find them. The item goes (DynamoDB's
        # time-to-live: the function may not delete) once that is done: forget().
        removed = [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": {**key, "pk": {"S": person_key(a)}},
                    "UpdateExpression": "SET former = :yes",
                    "ExpressionAttributeValues": {":yes": {"BOOL": True}},
                }
            }
            for a in sorted(before - after)
        ]
        return added, removed

    def _transact(
        self,
        booking: dict[str, Any],
        ref: str,
        takes: Iterable[Take],
        messages: Iterable[Outgoing],
        now: str,
        added: list[dict[str, Any]] | tuple[()] = (),
        removed: list[dict[str, Any]] | tuple[()] = (),
    ) -> None:
        takes = tuple(takes)
        messages = tuple(messages)
        operations: list[dict[str, Any]] = [booking]
        operations += [{"Update": self._take_update(take)} for take in takes]
        operations += [{"Put": self._message_put(ref, message, now)} for message in messages]
        # The person items, unconditional, after the rest (the reasons above keep their positions). A new address's
        # item is always in the transaction (subject access must find the booking); the "former" marks on addresses
        # it no longer names follow it only when a transaction's 100 items cannot hold them (bookings_of reads the
        # record, so an unmarked item meanwhile finds nothing it should not).
        operations += added
        later = list(removed)
        if len(operations) + len(later) <= MAX_TRANSACTION_ITEMS:
            operations += later
            later = []
        for attempt in range(1, TRANSACTION_CONFLICT_TRIES + 1):
            try:
                self._call("transact_write_items", TransactItems=operations)
            except _Cancelled as cancelled:
                codes = cancelled.codes
            else:
                for mark in later:
                    self._call("update_item", **mark["Update"])
                return
            if codes[0] == "ConditionalCheckFailed":
                raise Conflict(f"booking {ref} was written by someone else")
            for take, code in zip(takes, codes[1 : 1 + len(takes)], strict=False):
                if code == "ConditionalCheckFailed":
                    raise LimitReached(take.key)
            for message, code in zip(messages, codes[1 + len(takes) :], strict=False):
                if code == "ConditionalCheckFailed":
                    raise DuplicateMessage(message.message_id)
            if "TransactionConflict" not in codes or attempt == TRANSACTION_CONFLICT_TRIES:
                break
        raise Conflict(f"booking {ref}: the write was cancelled ({', '.join(code for code in codes if code)})")

    def _message_put(self, ref: str, message: Outgoing, now: str) -> dict[str, Any]:
        return {
            "TableName": self.table,
            "Item": {
                **_key(booking_pk(ref), message_sk(message.message_id)),
                "ref": {"S": ref},
                "message_id": {"S": message.message_id},
                "to": {"S": message.to},
                "raw": {"B": message.raw},
                "status": {"S": "pending"},
                "created": {"S": now},
                "outbox": {"S": PENDING},
                "msg_at": {"S": now},
            },
            "ConditionExpression": "attribute_not_exists(pk)",
        }

    def _pages(self, operation: str, **arguments: Any) -> Iterator[dict[str, Any]]:
        while True:
            answer = self._call(operation, **arguments)
            yield from answer.get("Items", [])
            if "LastEvaluatedKey" not in answer:
                return
            arguments["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    def _call(self, operation: str, **arguments: Any) -> dict[str, Any]:
        """One client call; botocore's errors become this module's."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer: dict[str, Any] = getattr(self._client, operation)(**arguments)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "ConditionalCheckFailedException":
                raise _ConditionFailed from None
            if code == "TransactionCanceledException":
                reasons = exc.response.get("CancellationReasons", [])
                raise _Cancelled([reason.get("Code", "") for reason in reasons]) from None
            if code in _UNAVAILABLE_CODES:
                raise StoreUnavailable(f"DynamoDB {operation}: {code}") from None
            raise
        except BotoCoreError as exc:
            raise StoreUnavailable(f"DynamoDB {operation}: {type(exc).__name__}") from None
        return answer


class _ConditionFailed(Exception):
    """A single-item write's condition did not hold."""


class _Cancelled(Exception):
    """DynamoDB cancelled a transaction; `codes` has one reason code per operation ("None" where it was fine)."""

    def __init__(self, codes: list[str]) -> None:
        super().__init__(", ".join(codes))
        self.codes = codes


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _stored(item: Mapping[str, Any]) -> Stored:
    return Stored(
        record=BookingRecord.model_validate_json(item["record"]["S"]),
        state=item["state"]["S"],
        version=int(item["version"]["N"]),
        created=item.get("created", {}).get("S", ""),
    )


def _outbox_item(item: Mapping[str, Any]) -> OutboxItem:
    return OutboxItem(raw=bytes(item["raw"]["B"]), **_state_fields(item))


def _message_state(item: Mapping[str, Any]) -> MessageState:
    return MessageState(**_state_fields(item))


def _state_fields(item: Mapping[str, Any]) -> dict[str, str]:
    return {
        "ref": item["ref"]["S"],
        "message_id": item["message_id"]["S"],
        "to": item["to"]["S"],
        "status": item["status"]["S"],
        "created": item["created"]["S"],
        "sent_at": item.get("sent_at", {}).get("S", ""),
        "detail": item.get("detail", {}).get("S", ""),
    }
