"""The local engine keeps DynamoDB's promises that the store relies on, over real HTTP."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from adapters.store import BookingStore, Outgoing
from devtools.dynamodb import engine
from devtools.dynamodb.snapshot import local_client
from devtools.dynamodb.table import create_table_arguments, load_template
from tests.store.records import booking_record


def _counter_add(table: str, token: str, amount: int = 1) -> dict:
    return {
        "TransactItems": [
            {
                "Update": {
                    "TableName": table,
                    "Key": {"pk": {"S": "COUNTER#x"}, "sk": {"S": "COUNTER"}},
                    "UpdateExpression": "ADD used :n",
                    "ExpressionAttributeValues": {":n": {"N": str(amount)}},
                }
            }
        ],
        "ClientRequestToken": token,
    }


def _used(client, table: str) -> int:
    item = client.get_item(TableName=table, Key={"pk": {"S": "COUNTER#x"}, "sk": {"S": "COUNTER"}})["Item"]
    return int(item["used"]["N"])


def test_a_transaction_repeated_with_its_token_is_applied_once(dynamodb_client, bookings_table):
    for _ in range(3):
        dynamodb_client.transact_write_items(**_counter_add(bookings_table, "token-1"))
    dynamodb_client.transact_write_items(**_counter_add(bookings_table, "token-2"))
    assert _used(dynamodb_client, bookings_table) == 2


def test_a_token_reused_for_other_items_is_refused(dynamodb_client, bookings_table):
    dynamodb_client.transact_write_items(**_counter_add(bookings_table, "token-3"))
    with pytest.raises(ClientError) as raised:
        dynamodb_client.transact_write_items(**_counter_add(bookings_table, "token-3", amount=5))
    assert raised.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    assert _used(dynamodb_client, bookings_table) == 1


def test_the_table_has_the_templates_keys_indexes_and_time_to_live(dynamodb_client, bookings_table):
    wanted = create_table_arguments(bookings_table, load_template())
    table = dynamodb_client.describe_table(TableName=bookings_table)["Table"]
    assert table["KeySchema"] == wanted["KeySchema"]
    assert sorted(index["IndexName"] for index in table["GlobalSecondaryIndexes"]) == ["by_event", "pending_mail"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    ttl = dynamodb_client.describe_time_to_live(TableName=bookings_table)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")


def test_with_a_data_file_the_bookings_outlive_the_engine(tmp_path):
    data = tmp_path / "bookings.json"
    first = engine.start(table="bookings", data=data)
    try:
        store = BookingStore(local_client(first.endpoint), "bookings")
        stored = store.create(
            booking_record(), "confirmed", messages=[Outgoing("CP-ABCDEF.confirmed.booker", "a@b.c", b"\0x")]
        )
    finally:
        first.stop()
    second = engine.start(table="bookings", data=data)
    try:
        store = BookingStore(local_client(second.endpoint), "bookings")
        assert store.get("CP-ABCDEF") == stored
        assert [(item.message_id, item.raw) for item in store.pending()] == [("CP-ABCDEF.confirmed.booker", b"\0x")]
    finally:
        second.stop()
