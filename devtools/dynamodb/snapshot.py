"""Save a local table's items to a JSON file and load them back (moto keeps nothing between runs)."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

# Any values do: the local engine checks no signature, but botocore refuses to send a request without credentials.
LOCAL_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
LOCAL_REGION = "eu-west-2"
# The local engine answers one request at a time: with many clients at once on two busy cores, a request may
# wait far longer than AWS would make it, so the store's clients wait this long (DYNAMODB_READ_TIMEOUT).
LOCAL_READ_TIMEOUT = "30"


def local_client(endpoint: str) -> Any:
    """A boto3 dynamodb client for the local engine at `endpoint`."""
    import boto3

    return boto3.session.Session().client(
        "dynamodb", endpoint_url=endpoint, region_name=LOCAL_REGION, **LOCAL_CREDENTIALS
    )


def _to_json(value: Any) -> Any:
    """DynamoDB's typed JSON with binary values as base64 ({"B": b"..."} -> {"B": "..."})."""
    if isinstance(value, dict):
        return {key: _to_json_typed(key, inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_to_json(inner) for inner in value]
    return value


def _to_json_typed(key: str, value: Any) -> Any:
    if key == "B":
        return base64.b64encode(value).decode("ascii")
    if key == "BS":
        return [base64.b64encode(inner).decode("ascii") for inner in value]
    return _to_json(value)


def _from_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _from_json_typed(key, inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_from_json(inner) for inner in value]
    return value


def _from_json_typed(key: str, value: Any) -> Any:
    if key == "B":
        return base64.b64decode(value)
    if key == "BS":
        return [base64.b64decode(inner) for inner in value]
    return _from_json(value)


def save(client: Any, table: str, path: Path) -> int:
    """Write every item of `table` to `path` (atomically: a new file renamed over the old); how many."""
    items: list[Any] = []
    for page in client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        items.extend(_to_json(item) for item in page["Items"])
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps({"table": table, "items": items}, indent=1), encoding="utf-8")
    os.replace(partial, path)
    return len(items)


def load(client: Any, table: str, path: Path) -> int:
    """Put every item saved in `path` into `table`; how many."""
    saved = json.loads(path.read_text(encoding="utf-8"))
    for item in saved["items"]:
        client.put_item(TableName=table, Item=_from_json(item))
    return len(saved["items"])
