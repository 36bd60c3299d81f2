"""The bookings table as functions/template.yaml defines it, created on any DynamoDB endpoint.

The SAM template is the one definition: the local engine reads `BookingsTable`'s properties from it and
passes them to CreateTable, so the keys and indexes tested here are the ones deployed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "functions" / "template.yaml"
RESOURCE = "BookingsTable"

# The CreateTable parameters a CloudFormation AWS::DynamoDB::Table resource shares with the API, by the same name.
_SAME_NAME = ("AttributeDefinitions", "KeySchema", "BillingMode", "GlobalSecondaryIndexes", "DeletionProtectionEnabled")


class _CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation's short intrinsic tags (!Ref, !Sub, ...) as {"Ref": ...} / {"Fn::Sub": ...}."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        assert isinstance(node, yaml.MappingNode)
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    """The SAM template as plain data, intrinsic functions as CloudFormation's long form."""
    loaded: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)
    return loaded


def table_properties(template: dict[str, Any] | None = None) -> dict[str, Any]:
    """`BookingsTable`'s Properties in the template."""
    template = load_template() if template is None else template
    resource = template["Resources"][RESOURCE]
    if resource["Type"] != "AWS::DynamoDB::Table":
        raise ValueError(f"{RESOURCE} in the template is a {resource['Type']}, not an AWS::DynamoDB::Table")
    properties: dict[str, Any] = resource["Properties"]
    return properties


def create_table_arguments(name: str, template: dict[str, Any] | None = None) -> dict[str, Any]:
    """The CreateTable request for a table called `name` with the template's keys, indexes and billing."""
    properties = table_properties(template)
    arguments: dict[str, Any] = {"TableName": name}
    arguments.update({key: properties[key] for key in _SAME_NAME if key in properties})
    return arguments


def create_table(client: Any, name: str, template: dict[str, Any] | None = None) -> None:
    """Create the table on `client`'s endpoint (a boto3 dynamodb client) and switch on its time to live."""
    properties = table_properties(template)
    created = client.create_table(**create_table_arguments(name, template))
    if created["TableDescription"].get("TableStatus") != "ACTIVE":  # the local engine's tables are active at once
        client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 20})
    ttl = properties.get("TimeToLiveSpecification")
    if ttl:
        client.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
