"""Fixtures for the booking store: the local engine (a real HTTP server in a child process) and fresh tables.

No test talks to an in-process fake: the store's own boto3 code goes over HTTP to `python -m devtools.dynamodb`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from devtools.dynamodb import engine
from devtools.dynamodb.snapshot import LOCAL_CREDENTIALS, LOCAL_READ_TIMEOUT, LOCAL_REGION
from devtools.dynamodb.table import create_table, load_template


@pytest.fixture(scope="session")
def dynamodb_engine() -> Iterator[engine.Engine]:
    """The local engine for the whole run, stopped at the end whatever happened."""
    running = engine.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def store_environ(dynamodb_engine) -> dict[str, str]:
    """What the function's environment says about the store, without the table (each test makes its own)."""
    return {
        "DYNAMODB_ENDPOINT": dynamodb_engine.endpoint,
        "DYNAMODB_READ_TIMEOUT": LOCAL_READ_TIMEOUT,
        "AWS_REGION": LOCAL_REGION,
        "AWS_ACCESS_KEY_ID": LOCAL_CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": LOCAL_CREDENTIALS["aws_secret_access_key"],
    }


@pytest.fixture(scope="session")
def dynamodb_client(store_environ) -> Any:
    """One boto3 client, configured as the store configures its own, for every test."""
    from adapters.store.dynamo import make_client

    return make_client(store_environ)


@pytest.fixture(scope="session")
def table_template() -> dict[str, Any]:
    """functions/template.yaml, read once: parsing it took most of the time of making a table."""
    return load_template()


@pytest.fixture
def bookings_table(dynamodb_client, table_template) -> str:
    """A fresh, empty table created from functions/template.yaml, under a name no other test uses."""
    name = f"bookings-{uuid.uuid4().hex[:12]}"
    create_table(dynamodb_client, name, table_template)
    return name


@pytest.fixture
def booking_store(dynamodb_client, bookings_table):
    """A BookingStore on a fresh table."""
    from adapters.store import BookingStore

    return BookingStore(dynamodb_client, bookings_table)
