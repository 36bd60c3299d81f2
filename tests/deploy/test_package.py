"""The Lambda bundle: only what the function runs, and its handler answers bookings with nothing else importable."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from devtools.deploy import package
from devtools.stripe_standin.testing import TEST_API_KEY, running_standin
from pricing import load_fee_table, quote
from tests.deploy.conftest import find_lambda_python, lambda_python_or_reason

# Run in a fresh interpreter inside the bundle, as Lambda runs /var/task: -E (no PYTHON*
# environment), -s (no user site), -S (no site-packages at all), -B (no .pyc written: /var/task is
# read-only); `-c` puts the working directory, the bundle, first on the import path. Only the
# bundle and the standard library can be imported.
RUNNER = r"""
import importlib.util, json, sys
from functions.lambda_handler import handler
from pricing.money import format_pence
events = json.loads(sys.stdin.read())
responses = [handler(event, None) for event in events]
files = sorted({m.__file__ for m in list(sys.modules.values()) if getattr(m, "__file__", None)})
print("RESULT " + json.dumps({
    "responses": responses,
    "format_pence": format_pence(29500),
    "files": files,
    "pelican_importable": importlib.util.find_spec("pelican") is not None,
}))
"""
WEBHOOK_SECRET = "whsec_deploy_bundle_test"
SITE_URL = "https://events.example.org"


def _files(bundle: Path) -> set[str]:
    return {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}


def _event(body: dict[str, Any]) -> dict[str, Any]:
    """A Lambda Function URL event, payload format 2.0, as Netlify's proxy delivers a fetch() booking."""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/api/bookings",
        "rawQueryString": "",
        "headers": {
            "content-type": "application/json",
            "accept": "application/json",
            "host": "abc.lambda-url.eu-west-2.on.aws",
        },
        "requestContext": {
            "http": {"method": "POST", "path": "/api/bookings", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9"}
        },
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def _booking(event: str, email: str = "sam.okafor@nhs.net") -> dict[str, Any]:
    person = {
        "name": "Sam Okafor",
        "email": email,
        "job_title": "Data Protection Officer",
        "organisation": "Bristol City Council",
    }
    return {
        "event": event,
        "category": "public-sector",
        "payment": "card",
        "contact": {"name": "Sam Okafor", "email": "sam.okafor@nhs.net", "organisation": "Bristol City Council"},
        "delegates": [person],
        "accept_terms": True,
    }


def _fees_with_an_open_event(bundle: Path, tmp_path: Path) -> tuple[Path, str]:
    """The bundle's own fee table and an event open for booking today; if none is open any more,
    a copy with one closing date moved a year ahead, so this test does not expire with the content."""
    fees_path = bundle / "content" / "fees.json"
    now = datetime.now(UTC)
    fees = load_fee_table(fees_path)
    for slug, entry in fees.events.items():
        if entry.booking_status(now) == "open":
            return fees_path, slug
    data = json.loads(fees_path.read_text(encoding="utf-8"))
    slug = next(iter(data["events"]))
    data["events"][slug]["booking_closes"] = (now + timedelta(days=365)).strftime("%Y-%m-%d %H:%M")
    data["events"][slug]["sold_out"] = False
    copy = tmp_path / "fees.json"
    copy.write_text(json.dumps(data), encoding="utf-8")
    return copy, slug


def _run_bundle(python: str, bundle: Path, events: list[dict[str, Any]], env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run(
        [python, "-E", "-s", "-S", "-B", "-c", RUNNER],
        input=json.dumps(events),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=bundle,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def _answers_bookings_from(python: str, bundle: Path, tmp_path: Path, store: dict[str, str]) -> None:
    """Book one delegate (201, stored, and one Checkout Session for the quoted total), then a bad email (422, no
    Stripe call). `store`: the booking store's variables (the local engine, a fresh table)."""
    fees_path, event = _fees_with_an_open_event(bundle, tmp_path)
    expected = quote(load_fee_table(fees_path), event, "public-sector", 1, "card").total_pence
    with running_standin() as standin:
        env = {
            "STRIPE_SECRET_KEY": TEST_API_KEY,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": standin.api_base,
            "SITE_URL": SITE_URL,
            "FEES_PATH": str(fees_path),
            "LANG": "C.UTF-8",
            **store,
        }
        out = _run_bundle(python, bundle, [_event(_booking(event)), _event(_booking(event, email="not-an-email"))], env)
        sessions = standin.sessions()

    good, bad = out["responses"]
    assert good["statusCode"] == 201, good["body"]
    answer = json.loads(good["body"])
    assert answer["total_pence"] == expected
    assert answer["booking_ref"] and answer["checkout_url"]
    assert [s["amount_total"] for s in sessions] == [expected], "one Checkout Session, for the quoted total"

    assert bad["statusCode"] == 422, bad["body"]
    assert [e["field"] for e in json.loads(bad["body"])["errors"]] == ["delegates.0.email"]

    # Nothing came from outside the bundle but the standard library; British pounds format with
    # babel's locale data trimmed to en_GB and its parents.
    assert out["pelican_importable"] is False
    outside = [f for f in out["files"] if not f.startswith(str(bundle)) and "site-packages" in f]
    assert outside == []
    assert not [f for f in out["files"] if "/yaml/" in f], "the bundle reads its fee table as JSON, without yaml"
    assert out["format_pence"] == "£295.00"


def test_local_bundle_answers_a_booking_and_rejects_a_bad_one(local_bundle, tmp_path, store_environ, bookings_table):
    _answers_bookings_from(sys.executable, local_bundle, tmp_path, {**store_environ, "BOOKINGS_TABLE": bookings_table})


def test_lambda_bundle_itself_answers_under_the_lambda_python(lambda_bundle, tmp_path, store_environ, bookings_table):
    bundle, _ = lambda_bundle
    python = find_lambda_python(package.LAMBDA_PYTHON)
    if python is None:
        pytest.skip(
            f"no CPython {package.LAMBDA_PYTHON} on this machine to run the Lambda bundle itself; "
            "the bundle built for this interpreter answered above"
        )
    _answers_bookings_from(python, bundle, tmp_path, {**store_environ, "BOOKINGS_TABLE": bookings_table})


def test_bundle_holds_the_function_pricing_and_only_the_fee_table_of_content(lambda_bundle):
    bundle, _ = lambda_bundle
    files = _files(bundle)
    assert "functions/lambda_handler.py" in files
    assert "pricing/quote.py" in files
    events = {f"content/events/{md.name}" for md in (package.ROOT / "content" / "events").glob("*.md")}
    assert {f for f in files if f.startswith("content/")} == {"content/fees.json", "content/organiser.json"} | events
    assert {f for f in files if f.startswith("theme/")} == {
        f"theme/email/{t.name}" for t in (package.ROOT / "theme" / "email").iterdir() if t.is_file()
    }
    assert load_fee_table(bundle / "content" / "fees.json") == load_fee_table(package.ROOT / "content" / "fees.yaml")


@pytest.mark.parametrize(
    "unwanted",
    [
        r"^pelican",
        r"^markdown/",
        r"^icalendar",
        r"^pytest",
        r"^_pytest",
        r"^hypothesis",
        r"^playwright",
        r"^cfnlint",
        r"^openpyxl",
        r"^devtools/",
        r"^stripe_standin/",
        r"^devserver/",
        r"^bench/",
        r"^deploy/",
        r"^theme/(?!email/)",
        r"^tests?/",
        r"/tests?/",
        r"^functions/template\.yaml$",
        r"\.pyc$(?<!\.cpython-313\.pyc)",  # bytecode only for the runtime's Python (see below)
        r"\.opt-[12]\.pyc$",
        r"^bin/",
    ],
)
def test_bundle_leaves_out_what_lambda_never_runs(lambda_bundle, unwanted):
    bundle, _ = lambda_bundle
    assert [f for f in _files(bundle) if re.search(unwanted, f)] == []


def test_bundle_ships_bytecode_for_the_runtime_python_for_every_module(lambda_bundle):
    python, reason = lambda_python_or_reason()
    if python is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: CI must build the bundle with its bytecode")
        pytest.skip(f"{reason}: the bundle was built without bytecode")
    bundle, output = lambda_bundle
    tag = "cpython-" + package.LAMBDA_PYTHON.replace(".", "")
    files = _files(bundle)
    sources = sorted(f for f in files if f.endswith(".py"))
    assert "functions/lambda_handler.py" in sources and any(f.startswith("pydantic/") for f in sources)
    missing = [
        source
        for source in sources
        if f"{source.rpartition('/')[0]}/__pycache__/{Path(source).stem}.{tag}.pyc".lstrip("/") not in files
    ]
    assert missing == []
    assert re.search(r"compiled \d+ modules to bytecode", output)


def test_bundle_bytecode_is_used_without_checking_the_source(lambda_bundle):
    """Unchecked-hash .pyc (PEP 552 flags 0b01): valid after unzipping changes every mtime, in a read-only /var/task."""
    python, reason = lambda_python_or_reason()
    if python is None:
        pytest.skip(f"{reason}: the bundle was built without bytecode")
    bundle, _ = lambda_bundle
    tag = "cpython-" + package.LAMBDA_PYTHON.replace(".", "")
    pyc = bundle / "functions" / "__pycache__" / f"lambda_handler.{tag}.pyc"
    header = pyc.read_bytes()[:16]
    assert int.from_bytes(header[4:8], "little") == 0b01
    result = subprocess.run(
        [python, "-I", "-c", "import importlib.util as u; print(u.MAGIC_NUMBER.hex())"], capture_output=True, text=True
    )
    assert header[:4].hex() == result.stdout.strip()


def test_bundle_wheels_are_built_for_the_lambda_runtime(lambda_bundle):
    bundle, _ = lambda_bundle
    version = package.LAMBDA_PYTHON.replace(".", "")
    extensions = [f for f in _files(bundle) if f.endswith(".so")]
    assert any(f.startswith("pydantic_core/") for f in extensions)
    for extension in extensions:
        assert f"cpython-{version}-x86_64-linux-gnu" in extension or "abi3" in extension, extension


def test_runtime_dependencies_come_from_pyproject_not_a_hand_list(lambda_bundle):
    bundle, _ = lambda_bundle
    installed = {p.name.split("-")[0].lower().replace("_", "-") for p in bundle.glob("*.dist-info")}
    for requirement in package.runtime_requirements():
        assert requirement.split("==")[0].lower() in installed


def test_babel_keeps_only_british_english_and_its_parents(lambda_bundle):
    bundle, _ = lambda_bundle
    kept = sorted(p.stem for p in (bundle / "babel" / "locale-data").glob("*.dat"))
    assert kept == ["en", "en_001", "en_GB", "root"]


def test_zip_holds_the_same_files_readable_by_lambda(lambda_bundle):
    bundle, output = lambda_bundle
    archive = bundle.parent / f"{package.NAME}.zip"
    with zipfile.ZipFile(archive) as zf:
        names = {info.filename for info in zf.infolist()}
        modes = {(info.external_attr >> 16) & 0o444 for info in zf.infolist()}
    assert names == _files(bundle)
    assert modes == {0o444}
    # The figures a person reads after `make package`.
    assert re.search(r"is \d+\.\d MB unzipped", output) and re.search(r"booking-function\.zip is \d+\.\d MB", output)


STORE_RUNNER = """
import json, sys
from adapters.store import BookingStore
from booking.record import Attendee, BookingRecord, Contact
record = BookingRecord(ref="CP-BUNDLE", event="e", category="nhs", payment="card",
    contact=Contact(name="A", email="a@example.org"), delegates=(Attendee(name="B", email="b@example.org"),))
store = BookingStore.from_env()
store.create(record, "confirmed")
import boto3, botocore
print("RESULT " + json.dumps({"read": store.get("CP-BUNDLE").record == record,
    "files": [boto3.__file__, botocore.__file__]}))
"""


def test_the_bundles_store_reaches_the_table_with_only_dynamodbs_model(local_bundle, store_environ, bookings_table):
    assert sorted(p.name for p in (local_bundle / "botocore" / "data").iterdir() if p.is_dir()) == ["dynamodb"]
    result = subprocess.run(
        [sys.executable, "-E", "-s", "-S", "-B", "-c", STORE_RUNNER],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=local_bundle,
        env={**store_environ, "BOOKINGS_TABLE": bookings_table, "LANG": "C.UTF-8"},
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(
        next(line for line in result.stdout.splitlines() if line.startswith("RESULT ")).removeprefix("RESULT ")
    )
    assert out["read"] is True
    assert all(f.startswith(str(local_bundle)) for f in out["files"])


PDF_RUNNER = """
import importlib.util, json, sys
from adapters.documents.pdf import Document
document = Document(title="Quotation Q-000001", author="Health IG Conferences")
document.text("H1", "Quotation Q-000001", 20)
document.text("P", "This is not a VAT invoice")
made = document.output()
import pydyf
print("RESULT " + json.dumps({"size": len(made), "head": made[:8].decode("latin-1"),
    "fpdf": importlib.util.find_spec("fpdf") is not None, "fontTools": importlib.util.find_spec("fontTools") is not None,
    "pydyf": pydyf.__file__}))
"""


def test_the_bundle_makes_a_quotations_pdf_with_pydyf_from_the_bundle_and_no_large_pdf_library(local_bundle):
    fonts = sorted(p.name for p in (local_bundle / "adapters" / "documents" / "fonts").iterdir())
    assert fonts == ["NotoSans-Regular-subset.json", "NotoSans-Regular-subset.ttf"]
    result = subprocess.run(
        [sys.executable, "-E", "-s", "-S", "-B", "-c", PDF_RUNNER],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=local_bundle,
        env={"LANG": "C.UTF-8"},
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(
        next(line for line in result.stdout.splitlines() if line.startswith("RESULT ")).removeprefix("RESULT ")
    )
    assert out["head"] == "%PDF-1.7" and out["size"] > 10_000  # the font is embedded
    assert out["fpdf"] is False and out["fontTools"] is False
    assert out["pydyf"].startswith(str(local_bundle))  # the pinned runtime dependency, installed into the bundle
