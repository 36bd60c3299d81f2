"""functions/template.yaml: a valid SAM template for a public Function URL with secret parameters and useful outputs."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest
from stripe._http_client import HTTPClient

from devtools.deploy import package
from functions.settings import Settings
from pricing.organiser import load_organiser
from tests.deploy.conftest import ROOT, TEMPLATE

NETLIFY_PROXY_TIMEOUT = 26
COLD_START_ALLOWANCE = 2
ANSWER_ALLOWANCE = 1  # load the fee table, validate, render the error page


def _function(template):
    return template["Resources"]["BookingFunction"]["Properties"]


def test_template_passes_cfn_lint():
    cfn_lint = Path(sys.executable).with_name("cfn-lint")  # installed with the test extra, beside python
    result = subprocess.run([str(cfn_lint), str(TEMPLATE)], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_is_a_sam_template(template):
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    assert template["Resources"]["BookingFunction"]["Type"] == "AWS::Serverless::Function"


def test_the_function_url_is_public_and_buffered(template):
    assert _function(template)["FunctionUrlConfig"] == {"AuthType": "NONE", "InvokeMode": "BUFFERED"}


def test_public_url_also_grants_invoke_function_only_through_the_url(template):
    permission = template["Resources"]["BookingFunctionUrlInvokePermission"]
    assert permission["Type"] == "AWS::Lambda::Permission"
    assert permission["Properties"] == {
        "Action": "lambda:InvokeFunction",
        "FunctionName": {"Ref": "BookingFunction"},
        "Principal": "*",
        "InvokedViaFunctionUrl": True,
    }


def test_handler_runtime_and_architecture_match_the_bundle(template):
    function = _function(template)
    assert function["Handler"] == "functions.lambda_handler.handler"
    assert function["Runtime"] == f"python{package.LAMBDA_PYTHON}"
    machine = package.LAMBDA_PLATFORMS[0].split("_", 1)[1]
    assert function["Architectures"] == [machine]


def test_code_uri_is_the_folder_make_package_writes(template):
    code_uri = (TEMPLATE.parent / _function(template)["CodeUri"]).resolve()
    assert code_uri == (package.DIST / package.NAME).resolve()


def test_timeout_ends_before_netlifys_proxy_gives_up(template):
    # A cold start (about a second at 512 MB) comes on top of the function's own timeout.
    assert _function(template)["Timeout"] + COLD_START_ALLOWANCE < NETLIFY_PROXY_TIMEOUT


def test_timeout_leaves_the_function_time_to_answer_after_stripes_slowest_failure(template):
    defaults = {f.name: f.default for f in dataclasses.fields(Settings)}
    retries = defaults["stripe_max_network_retries"]
    back_off = sum(min(HTTPClient.INITIAL_DELAY * 2 ** (n - 1), HTTPClient.MAX_DELAY) for n in range(1, retries + 1))
    slowest_stripe_call = (retries + 1) * defaults["stripe_timeout_seconds"] + back_off
    assert slowest_stripe_call + ANSWER_ALLOWANCE <= _function(template)["Timeout"]


def test_memory_is_sized_for_pydantic_and_stripe(template):
    assert 256 <= _function(template)["MemorySize"] <= 1024


@pytest.mark.parametrize("name", ["StripeSecretKey", "StripeWebhookSecret", "SmtpUrl"])
def test_secrets_are_noecho_parameters_without_defaults(template, name):
    parameter = template["Parameters"][name]
    assert parameter["NoEcho"] is True
    assert "Default" not in parameter


@pytest.mark.parametrize(
    "variable, parameter",
    [
        ("STRIPE_SECRET_KEY", "StripeSecretKey"),
        ("STRIPE_WEBHOOK_SECRET", "StripeWebhookSecret"),
        ("SITE_URL", "SiteUrl"),
        ("SMTP_URL", "SmtpUrl"),
        ("MAIL_FROM", "MailFrom"),
    ],
)
def test_settings_reach_the_function_environment(template, variable, parameter):
    assert _function(template)["Environment"]["Variables"][variable] == {"Ref": parameter}


def test_tax_rate_is_optional(template):
    assert template["Parameters"]["StripeTaxRateId"]["Default"] == ""
    assert "STRIPE_TAX_RATE_ID" in _function(template)["Environment"]["Variables"]


def test_the_function_never_points_at_a_stripe_stand_in(template):
    assert "STRIPE_API_BASE" not in _function(template)["Environment"]["Variables"]


def test_logs_are_kept_for_a_limited_time(template):
    logs = template["Resources"]["BookingFunctionLogs"]
    assert logs["Type"] == "AWS::Logs::LogGroup"
    assert logs["Properties"]["RetentionInDays"] == 30
    assert _function(template)["LoggingConfig"]["LogGroup"] == {"Ref": "BookingFunctionLogs"}


def test_every_log_group_keeps_logs_as_long_as_the_schedule_says_and_every_function_has_one(template) -> None:
    resources = template["Resources"]
    groups = {name: r for name, r in resources.items() if r["Type"] == "AWS::Logs::LogGroup"}
    functions = {
        name: r for name, r in resources.items() if r["Type"] in ("AWS::Serverless::Function", "AWS::Lambda::Function")
    }
    assert groups and functions
    days = load_organiser(ROOT / "content" / "organiser.yaml").retention.log_days  # the schedule's value
    for name, group in groups.items():
        assert group["Properties"]["RetentionInDays"] == days, name
    for name, function in functions.items():
        group = function["Properties"]["LoggingConfig"]["LogGroup"]
        assert group in ({"Ref": g} for g in groups), f"{name} logs to a group the template does not create"


def test_outputs_give_the_function_url_and_the_webhook_url_on_it(template):
    outputs = template["Outputs"]
    assert outputs["BookingFunctionUrl"]["Value"] == {"Fn::GetAtt": ["BookingFunctionUrl", "FunctionUrl"]}
    # The Function URL ends in "/": the webhook is registered on it directly, not through Netlify.
    assert outputs["StripeWebhookUrl"]["Value"] == {"Fn::Sub": "${BookingFunctionUrl.FunctionUrl}api/stripe-webhook"}


def test_the_deploy_guide_deploys_this_template_and_make_package_builds_its_bundle():
    # SAM resolves CodeUri next to the template it is given: the guide must give it this one.
    guide = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    named = set(re.findall(r"sam deploy --guided --template-file (\S+?)`?$", guide, re.MULTILINE))
    assert named == {TEMPLATE.relative_to(ROOT).as_posix()}
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert f"python {Path(package.__file__).resolve().relative_to(ROOT).as_posix()}" in makefile


def test_the_webhook_output_and_the_deploy_guide_name_every_event_the_webhook_handles(template):
    from functions.webhook import EVENTS

    described = " ".join(template["Outputs"]["StripeWebhookUrl"]["Description"].split())
    guide = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    for event in EVENTS:
        assert event in described, f"the SAM template's StripeWebhookUrl output does not name {event}"
        assert f"`{event}`" in guide, f"docs/deploy.md does not tell the organiser to subscribe {event}"


def test_the_bookings_table_is_on_demand_recoverable_and_protected(template):
    table = template["Resources"]["BookingsTable"]
    assert table["Type"] == "AWS::DynamoDB::Table"
    assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain")
    properties = table["Properties"]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["DeletionProtectionEnabled"] is True
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


def _statements_on_the_table(statements):
    table_resources = [{"Fn::GetAtt": ["BookingsTable", "Arn"]}, {"Fn::Sub": "${BookingsTable.Arn}/index/*"}]
    for statement in statements:
        assert statement["Effect"] == "Allow"
        assert statement["Resource"] == table_resources
        yield from statement["Action"]


def test_the_function_may_read_and_write_the_bookings_table_only(template):
    function = _function(template)
    assert function["Environment"]["Variables"]["BOOKINGS_TABLE"] == {"Ref": "BookingsTable"}
    actions = [action for policy in function["Policies"] for action in _statements_on_the_table(policy["Statement"])]
    assert "dynamodb:Scan" not in actions and "dynamodb:DeleteItem" not in actions
    assert {"dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query"} <= set(actions)


def test_the_back_office_policy_is_scoped_to_the_bookings_table(template):
    policy = template["Resources"]["BackOfficePolicy"]
    assert policy["Type"] == "AWS::IAM::ManagedPolicy"
    actions = list(_statements_on_the_table(policy["Properties"]["PolicyDocument"]["Statement"]))
    assert "dynamodb:DeleteItem" not in actions and "dynamodb:DeleteTable" not in actions
    assert template["Outputs"]["BackOfficePolicyArn"]["Value"] == {"Ref": "BackOfficePolicy"}


def test_a_schedule_runs_the_function_every_few_minutes_with_a_role_that_may_only_invoke_it(template):
    import json

    from functions.lambda_handler import SCHEDULE_SOURCE, is_scheduled

    schedule = template["Resources"]["BookingScheduleRun"]
    assert schedule["Type"] == "AWS::Scheduler::Schedule"
    properties = schedule["Properties"]
    assert re.fullmatch(r"rate\((5|10) minutes\)", properties["ScheduleExpression"])
    target = properties["Target"]
    assert target["Arn"] == {"Fn::GetAtt": ["BookingFunction", "Arn"]}
    assert target["RoleArn"] == {"Fn::GetAtt": ["BookingScheduleRole", "Arn"]}
    sent = json.loads(target["Input"])
    assert sent["source"] == SCHEDULE_SOURCE and is_scheduled(sent)
    role = template["Resources"]["BookingScheduleRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    (policy,) = role["Policies"]
    (allowed,) = policy["PolicyDocument"]["Statement"]
    assert allowed["Action"] == "lambda:InvokeFunction"
    assert allowed["Resource"] == {"Fn::GetAtt": ["BookingFunction", "Arn"]}


def test_a_function_url_request_is_never_taken_for_the_scheduled_run():
    from functions.lambda_handler import SCHEDULE_SOURCE, is_scheduled

    assert not is_scheduled({"source": SCHEDULE_SOURCE, "requestContext": {"http": {"method": "POST"}}})
    assert not is_scheduled({"version": "2.0", "rawPath": "/api/bookings"})
