"""The booking store for the function benchmarks: the local DynamoDB engine in its own process and one fresh table.

The function stores every valid booking before it calls Stripe, so a bench that books needs a store, as the
tests have one (tests/dynamodb.py): the engine from devtools/dynamodb, the table made from functions/template.yaml.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from devtools.dynamodb import engine
from devtools.dynamodb.snapshot import LOCAL_CREDENTIALS, LOCAL_READ_TIMEOUT, LOCAL_REGION
from devtools.dynamodb.table import create_table


def fresh_table(environ: dict[str, str]) -> dict[str, str]:
    """The same store's environment naming a new, empty table (the local engine slows as a table fills up)."""
    from adapters.store.dynamo import make_client

    fresh = {**environ, "BOOKINGS_TABLE": f"bench-{uuid.uuid4().hex[:12]}"}
    create_table(make_client(fresh), fresh["BOOKINGS_TABLE"])
    return fresh


@contextmanager
def store_process() -> Iterator[dict[str, str]]:
    """Start the engine, make a fresh table, yield the store's environment for the function; stop the engine."""
    running = engine.start()
    try:
        environ = {
            "DYNAMODB_ENDPOINT": running.endpoint,
            "DYNAMODB_READ_TIMEOUT": LOCAL_READ_TIMEOUT,
            # Lambda sets both region variables; boto3.client() (the cold-start floor) reads AWS_DEFAULT_REGION.
            "AWS_REGION": LOCAL_REGION,
            "AWS_DEFAULT_REGION": LOCAL_REGION,
            "AWS_ACCESS_KEY_ID": LOCAL_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": LOCAL_CREDENTIALS["aws_secret_access_key"],
        }
        yield fresh_table(environ)
    finally:
        running.stop()
