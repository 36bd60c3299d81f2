"""Organisers' mistakes in fees.yaml are reported as `file: field: message`, all at once."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pricing import DEFAULT_FEES_PATH, FeeTableError, load_fee_table, parse_fee_table
from tests.fixture_site import OPEN_EVENT

GOOD = """
currency: GBP
vat_percent: 20
discounts:
  additional_delegate_percent: 15
  online_payment_percent: 10
tariffs:
  virtual:
    label: Virtual
    categories:
      public-sector: {label: NHS, net: "295.00"}
events:
  some-event: {tariff: virtual, booking_closes: "2027-09-13 17:00", max_delegates: 20}
"""


def test_the_shipped_fee_table_loads():
    shipped = load_fee_table(DEFAULT_FEES_PATH)  # a smoke test of the organiser's own content/fees.yaml
    assert shipped.events and all(shipped.tariff_for(slug).categories for slug in shipped.events)


def test_the_test_sites_fee_table_loads(fees):
    assert fees.tariff_for(OPEN_EVENT).categories["public-sector"].net_pence == 29500


def test_the_example_loads():
    assert parse_fee_table(GOOD).vat_percent * 100 == 20


def test_labels_lose_the_spaces_an_organiser_left_around_them():
    table = parse_fee_table(
        GOOD.replace("label: NHS", 'label: "  NHS, schools  "').replace("label: Virtual", 'label: " Virtual"')
    )
    assert table.tariffs["virtual"].label == "Virtual"
    assert table.tariffs["virtual"].categories["public-sector"].label == "NHS, schools"


@pytest.mark.parametrize(
    ("name", "old", "new", "field", "words"),
    [
        ("float price", '"295.00"', "295.00", "tariffs.virtual.categories.public-sector.net", "in quotes"),
        ("negative price", '"295.00"', '"-295.00"', "tariffs.virtual.categories.public-sector.net", "not negative"),
        (
            "three decimals",
            '"295.00"',
            '"295.001"',
            "tariffs.virtual.categories.public-sector.net",
            "two decimal places",
        ),
        ("zero price", '"295.00"', '"0.00"', "tariffs.virtual.categories.public-sector", "more than"),
        ("unknown tariff", "{tariff: virtual,", "{tariff: in-person,", "events.some-event.tariff", '"in-person"'),
        ("vat missing", "vat_percent: 20\n", "", "vat_percent", "required"),
        ("vat over 100", "vat_percent: 20", "vat_percent: 120", "vat_percent", "more than 100%"),
        (
            "discount over 100",
            "additional_delegate_percent: 15",
            "additional_delegate_percent: 150",
            "discounts.additional_delegate_percent",
            "more than 100%",
        ),
        (
            "negative discount",
            "online_payment_percent: 10",
            "online_payment_percent: -10",
            "discounts.online_payment_percent",
            "percentage",
        ),
        (
            "float discount",
            "online_payment_percent: 10",
            "online_payment_percent: 12.5",
            "discounts.online_payment_percent",
            "in quotes",
        ),
        ("misspelt field", "max_delegates: 20", "max_delegate: 20", "events.some-event.max_delegate", "spelling"),
        ("bad date", '"2027-09-13 17:00"', '"next tuesday"', "events.some-event.booking_closes", "date and time"),
        ("bad slug", "some-event:", "Some Event:", "events.Some Event", "lower-case"),
        ("too many delegates", "max_delegates: 20", "max_delegates: 500", "events.some-event.max_delegates", "50"),
        ("wrong currency", "currency: GBP", "currency: EUR", "currency", "GBP"),
        (
            "sold_out not yes/no",
            "max_delegates: 20}",
            "max_delegates: 20, sold_out: maybe}",
            "events.some-event.sold_out",
            "true or false",
        ),
        (
            "duplicate id",
            '      public-sector: {label: NHS, net: "295.00"}',
            '      public-sector: {label: NHS, net: "295.00"}\n      public-sector: {label: NHS2, net: "1.00"}',
            "line 12",
            "written twice",
        ),
        ("broken YAML", "tariffs:", "tariffs: [", "line", "not valid YAML"),
    ],
)
def test_each_mistake_names_file_field_and_reason(name, old, new, field, words):
    assert old in GOOD, name
    with pytest.raises(FeeTableError) as caught:
        parse_fee_table(GOOD.replace(old, new, 1), "content/fees.yaml")
    report = str(caught.value)
    assert report.startswith(f"content/fees.yaml: {field}"), report
    assert words in report, report
    assert "Traceback" not in report


def test_every_problem_is_listed_not_just_the_first():
    text = (
        GOOD.replace('"295.00"', "295.00")
        .replace("vat_percent: 20\n", "")
        .replace("{tariff: virtual,", "{tariff: nope,")
    )
    with pytest.raises(FeeTableError) as caught:
        parse_fee_table(text)
    fields = {p.field for p in caught.value.problems}
    assert {"vat_percent", "tariffs.virtual.categories.public-sector.net"} <= fields


@settings(max_examples=300)
@given(st.text(max_size=300))
def test_any_text_either_loads_or_raises_a_fee_table_error(text):
    try:
        parse_fee_table(text)
    except FeeTableError as exc:
        assert exc.problems and all(str(p).startswith("content/fees.yaml: ") for p in exc.problems)
