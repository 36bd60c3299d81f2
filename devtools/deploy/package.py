"""Build the booking function's Lambda bundle: functions/, pricing/, booking/, adapters/, flows/, the fee table and organiser's details as JSON, the e-mail templates and the runtime wheels, compiled to bytecode.

`make package` runs this with the defaults, which match functions/template.yaml (Runtime python3.13,
Architectures x86_64). It writes dist/booking-function/ (SAM's CodeUri) and dist/booking-function.zip.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from pricing import FeeTableError, fee_table_json
from pricing.organiser import organiser_json

ROOT = Path(__file__).resolve().parents[2]
NAME = "booking-function"
DIST = ROOT / "dist"  # `make package` writes DIST/NAME/ (SAM's CodeUri) and DIST/NAME.zip
# Keep in step with functions/template.yaml: Runtime and Architectures.
LAMBDA_PYTHON = "3.13"
LAMBDA_PLATFORMS = ("manylinux2014_x86_64",)
# Formatting for people happens in British English only (pricing.money.format_pence, en_GB).
KEEP_LOCALES = ("en_GB",)
# The AWS services the function calls through boto3: botocore's models of the other 400-odd (about 28 MB) go.
KEEP_AWS_SERVICES = ("dynamodb",)
# What Lambda accepts for a function unpacked from S3 (the zip itself may be larger than 50 MB there).
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024

_SKIP_IN_SOURCE = shutil.ignore_patterns("__pycache__", "*.pyc", "tests", "template.yaml", ".pytest_cache")
# Zip timestamps are fixed so that an unchanged bundle zips to the same bytes (and SAM skips the upload).
_ZIP_DATE = (2020, 1, 1, 0, 0, 0)


class PackageError(Exception):
    """The bundle could not be built; the message says what to fix."""


def find_python(version: str) -> str | None:
    """A working CPython `version` ("3.13") on this machine: this interpreter, pyenv's, or one on PATH."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return sys.executable
    candidates = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}*/bin/python{version}")))
    candidates += [found for found in [shutil.which(f"python{version}")] if found]
    for candidate in candidates:
        check = subprocess.run(
            [candidate, "-I", "-S", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if check.returncode == 0 and check.stdout.strip() == version:
            return candidate
    return None


def compile_bytecode(bundle: Path, python: str) -> int:
    """Compile every .py in the bundle with the runtime's own interpreter; the number of .pyc files written.

    Lambda unpacks the bundle into a read-only /var/task, so Python cannot write bytecode there and would
    compile every module in memory on each cold start. The .pyc files are "unchecked-hash": used as they
    are, without comparing them with the source's timestamp (which unzipping changes) or hashing the source.
    """
    before = {p for p in bundle.rglob("*.pyc")}
    result = subprocess.run(
        [python, "-I", "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash", "-j", "0", str(bundle)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise PackageError(f"{python} could not compile the bundle:\n" + (result.stdout + result.stderr).strip())
    return len({p for p in bundle.rglob("*.pyc")} - before)


def runtime_requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """The function's runtime dependencies: [project].dependencies, never the site or test extras."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    requirements = data.get("project", {}).get("dependencies") or []
    if not requirements:
        raise PackageError(f"{pyproject}: project.dependencies: is empty; the function needs its runtime packages")
    return list(requirements)


def install_wheels(requirements: list[str], target: Path, python_version: str, platforms: tuple[str, ...]) -> None:
    """Let pip fetch binary wheels for the Lambda interpreter and platform, not for this machine."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-input",
        "--target",
        str(target),
        "--implementation",
        "cp",
        "--python-version",
        python_version,
        "--only-binary=:all:",
        "--no-compile",  # .pyc from this interpreter would be the wrong version for Lambda's
    ]
    for platform in platforms:
        command += ["--platform", platform]
    result = subprocess.run(command + requirements, capture_output=True, text=True)
    if result.returncode != 0:
        raise PackageError("pip could not install the runtime dependencies:\n" + result.stderr.strip())


def copy_sources(target: Path, root: Path = ROOT) -> None:
    """The project's own code and the one content file the function reads."""
    shutil.copytree(root / "functions", target / "functions", ignore=_SKIP_IN_SOURCE)
    shutil.copytree(root / "pricing", target / "pricing", ignore=_SKIP_IN_SOURCE)
    shutil.copytree(root / "booking", target / "booking", ignore=_SKIP_IN_SOURCE)
    shutil.copytree(root / "adapters", target / "adapters", ignore=_SKIP_IN_SOURCE)
    shutil.copytree(root / "flows", target / "flows", ignore=_SKIP_IN_SOURCE)
    (target / "content").mkdir()
    # The fee table checked here and written as JSON (pricing.fee_table_json): the function reads it without yaml.
    try:
        fees = fee_table_json(root / "content" / "fees.yaml")
    except FeeTableError as exc:
        raise PackageError("the fee table has mistakes:\n" + "\n".join(map(str, exc.problems))) from None
    (target / "content" / "fees.json").write_text(fees, encoding="utf-8")
    # The organiser's name, address and VAT number for the e-mails' sign-off, checked and written the same way.
    try:
        organiser = organiser_json(root / "content" / "organiser.yaml")
    except FeeTableError as exc:
        raise PackageError("the organiser's details have mistakes:\n" + "\n".join(map(str, exc.problems))) from None
    (target / "content" / "organiser.json").write_text(organiser, encoding="utf-8")
    # The confirmation e-mails' templates, and the events' Markdown headers they take title and date from.
    shutil.copytree(root / "theme" / "email", target / "theme" / "email", ignore=_SKIP_IN_SOURCE)
    (target / "content" / "events").mkdir()
    for event in (root / "content" / "events").glob("*.md"):
        shutil.copy2(event, target / "content" / "events" / event.name)


def _locale_chain(bundle: Path, locales: tuple[str, ...]) -> set[str]:
    """Each kept locale with the parents babel falls back to (en_GB -> en_001 -> en -> root)."""
    # Ask the bundle's own babel (pure Python), so the chain matches the data being trimmed: run inside
    # the bundle, where `-c` puts the working directory first on the import path (-E -s -S: nothing else).
    script = (
        "import sys;"
        "from babel.core import get_global; from babel.localedata import exists;"
        "exceptions = get_global('parent_exceptions'); seen = set()\n"
        "for name in sys.argv[1:]:\n"
        "    assert exists(name), name\n"
        "    while name not in seen:\n"
        "        seen.add(name)\n"
        "        if name == 'root': break\n"
        "        parts = name.split('_')\n"
        "        name = exceptions.get(name) or ('root' if len(parts) == 1 else '_'.join(parts[:-1]))\n"
        "print(' '.join(sorted(seen)))"
    )
    result = subprocess.run(
        [sys.executable, "-E", "-s", "-S", "-B", "-c", script, *locales], capture_output=True, text=True, cwd=bundle
    )
    if result.returncode != 0:
        raise PackageError("could not read babel's locale parents from the bundle:\n" + result.stderr.strip())
    return set(result.stdout.split())


def trim(bundle: Path, locales: tuple[str, ...]) -> int:
    """Drop what Lambda never runs: console scripts, caches, packages' tests, babel's other 1,000 locales, the
    models of AWS services the function does not call; bytes saved."""
    before = tree_size(bundle)
    locale_data = bundle / "babel" / "locale-data"
    if locales and locale_data.is_dir():
        keep = _locale_chain(bundle, locales)
        for data_file in locale_data.glob("*.dat"):
            if data_file.stem not in keep:
                data_file.unlink()
    for models in (bundle / "botocore" / "data", bundle / "boto3" / "data"):
        if models.is_dir():
            for service in models.iterdir():
                if service.is_dir() and service.name not in KEEP_AWS_SERVICES:
                    shutil.rmtree(service)
    shutil.rmtree(bundle / "bin", ignore_errors=True)
    for unused in [*bundle.rglob("__pycache__"), *bundle.rglob("tests")]:
        if unused.is_dir():
            shutil.rmtree(unused, ignore_errors=True)
    return before - tree_size(bundle)


def tree_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def write_zip(bundle: Path, archive: Path) -> None:
    """Zip the bundle's contents at the archive root, world-readable, in a stable order."""
    archive.unlink(missing_ok=True)
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in sorted(bundle.rglob("*")):
            if not path.is_file():
                continue
            info = zipfile.ZipInfo(path.relative_to(bundle).as_posix(), date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            mode = 0o755 if os.access(path, os.X_OK) else 0o644
            info.external_attr = (0o100000 | mode) << 16  # a regular file Lambda's user can read
            zf.writestr(info, path.read_bytes())


def build(
    out_dir: Path,
    *,
    python_version: str = LAMBDA_PYTHON,
    platforms: tuple[str, ...] = LAMBDA_PLATFORMS,
    locales: tuple[str, ...] = KEEP_LOCALES,
    name: str = NAME,
    make_zip: bool = True,
    bytecode: bool = True,
    log=print,
) -> Path:
    """Build out_dir/name/ (and out_dir/name.zip); return the bundle directory. `bytecode` needs a CPython of
    `python_version` on this machine (pyenv's, or pythonX.Y on PATH)."""
    python = find_python(python_version) if bytecode else None
    if bytecode and python is None:
        raise PackageError(
            f"no CPython {python_version} on this machine to compile the bundle for the Lambda runtime: install it "
            f"(e.g. `pyenv install {python_version}`, or python{python_version} on PATH), or pass --no-bytecode"
        )
    bundle = out_dir / name
    if bundle.exists():
        shutil.rmtree(bundle)
    bundle.mkdir(parents=True)
    requirements = runtime_requirements()
    log(
        f"package: installing {len(requirements)} runtime dependencies for CPython {python_version} "
        f"on {', '.join(platforms)}: {', '.join(requirements)}"
    )
    install_wheels(requirements, bundle, python_version, platforms)
    log(
        "package: adding functions/, pricing/, booking/, adapters/, flows/, content/fees.json and organiser.json (from the YAML), content/events/*.md and theme/email/"
    )
    copy_sources(bundle)
    saved = trim(bundle, locales)
    log(
        f"package: trimmed {mb(saved)} (console scripts, caches, tests, babel locales other than "
        f"{', '.join(locales) or 'none'} and their parents, AWS service models other than {', '.join(KEEP_AWS_SERVICES)})"
    )
    if python is not None:
        compiled = compile_bytecode(bundle, python)
        log(f"package: compiled {compiled} modules to bytecode with {python} (unchecked-hash .pyc)")
    else:
        log("package: no bytecode (--no-bytecode): Lambda will compile every module on each cold start")
    unzipped = tree_size(bundle)
    if unzipped > LAMBDA_UNZIPPED_LIMIT:
        raise PackageError(f"the bundle is {mb(unzipped)} unzipped; Lambda accepts at most {mb(LAMBDA_UNZIPPED_LIMIT)}")
    log(f"package: {bundle} is {mb(unzipped)} unzipped")
    if make_zip:
        archive = out_dir / f"{name}.zip"
        write_zip(bundle, archive)
        log(f"package: {archive.name} is {mb(archive.stat().st_size)}")
    return bundle


def mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DIST, help="folder for the bundle and zip (dist/)")
    parser.add_argument(
        "--python-version",
        default=LAMBDA_PYTHON,
        help=f"CPython version the wheels are for (default {LAMBDA_PYTHON}, the Lambda runtime)",
    )
    parser.add_argument(
        "--platform",
        action="append",
        dest="platforms",
        help=f"wheel platform tag, repeatable (default {' '.join(LAMBDA_PLATFORMS)})",
    )
    parser.add_argument(
        "--keep-locale",
        action="append",
        dest="locales",
        help=f"babel locale to keep, repeatable (default {' '.join(KEEP_LOCALES)})",
    )
    parser.add_argument("--no-zip", action="store_true", help="only the directory, no zip")
    parser.add_argument(
        "--no-bytecode",
        action="store_true",
        help="ship no .pyc (when no CPython of --python-version is installed here); cold starts get slower",
    )
    args = parser.parse_args(argv)
    try:
        build(
            args.out.resolve(),
            python_version=args.python_version,
            platforms=tuple(args.platforms or LAMBDA_PLATFORMS),
            locales=tuple(args.locales or KEEP_LOCALES),
            make_zip=not args.no_zip,
            bytecode=not args.no_bytecode,
        )
    except PackageError as exc:
        print(f"package: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
