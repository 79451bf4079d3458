"""The package contract: stdlib only, cheap to import, vendorable, small public API."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import mm7codec

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "mm7codec"

# Modules whose import alone would eat the 30 ms import budget (typing ~20 ms,
# dataclasses ~12 ms) or that only the decode path needs; `import mm7codec`
# must not pull them in. The timing itself is measured by benchmarks/import_time.py.
HEAVY = (
    "typing",
    "dataclasses",
    "xml.etree.ElementTree",
    "tempfile",
    "email",
    "http.client",
    "socket",
    "inspect",
    "logging",
)


def _run(code: str, *args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "COV_"))}
    return subprocess.run(
        [sys.executable, "-S", *args, "-c", code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_imports_with_stdlib_only_from_repo_root() -> None:
    done = _run("import mm7codec; print(mm7codec.__version__)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == mm7codec.__version__


def test_import_pulls_in_no_heavy_modules() -> None:
    code = (
        "import sys, json; before = set(sys.modules); import mm7codec; "
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    done = _run(code)
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout))
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    allowed = {
        "math",
        "binascii",
        "datetime",
        "types",
        "operator",
        "functools",
        "keyword",
        "collections",
        "itertools",
        "reprlib",
        "copyreg",
        "abc",
        # os is loaded by every normal start-up (site); only -S leaves it out.
        "os",
        "os.path",
        "posixpath",
        "genericpath",
        "stat",
    }
    unexpected = {
        m
        for m in loaded
        if m not in allowed and m != "mm7codec" and not m.startswith(("mm7codec.", "enum", "_"))
    }
    assert not unexpected, sorted(unexpected)


def test_http_helpers_are_not_imported_by_the_package() -> None:
    done = _run("import sys, mm7codec; print('mm7codec.http' in sys.modules)")
    assert done.stdout.strip() == "False"


def test_version_info_matches_version() -> None:
    assert ".".join(map(str, mm7codec.__version_info__)) == mm7codec.__version__


def test_public_names_exist_and_are_documented() -> None:
    for name in mm7codec.__all__:
        obj = getattr(mm7codec, name)
        if callable(obj) and not name.startswith("_"):
            assert obj.__doc__, f"{name} has no docstring"
    assert len(mm7codec.__all__) == len(set(mm7codec.__all__))


def test_no_package_name_literals_inside_the_package() -> None:
    # A vendored copy lives under another name; literal names would break it.
    for path in PACKAGE.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"[\"']mm7codec[\"'.]", text), path.name


def test_vendored_copy_under_another_name_works(tmp_path: Path) -> None:
    shutil.copytree(
        PACKAGE, tmp_path / "vendored_mm7", ignore=shutil.ignore_patterns("__pycache__")
    )
    done = _run("import vendored_mm7 as m; print(m.LATEST.name, len(m.VERSIONS))", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["REL-6-MM7-1-4", "10"]


def test_py_typed_marker_ships() -> None:
    assert (PACKAGE / "py.typed").is_file()


# --- licence, metadata, README on the package index ----------------------------------------------


def test_license_file_is_mit_and_declared_in_spdx_form() -> None:
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2026 mm7codec contributors" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in text
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^license = "MIT"$', pyproject, re.M)
    assert re.search(r'^license-files = \["LICENSE"\]$', pyproject, re.M)
    # PEP 639 support arrived in setuptools 77; older ones reject the string form.
    assert re.search(r'^requires = \["setuptools>=77"\]$', pyproject, re.M)
    assert "License ::" not in pyproject  # PEP 639: no licence classifiers next to it


def test_sdist_manifest_ships_what_the_tests_need() -> None:
    manifest = (REPO / "MANIFEST.in").read_text(encoding="utf-8").split()
    for folder in ("tests", "examples", "docs", "benchmarks", "schemas", "mm7codec"):
        assert folder in manifest, folder
    assert "LICENSE" in manifest
    assert (REPO / "tests" / "conftest.py").is_file()


def test_readme_has_no_relative_links() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    # Markdown links and images whose target is not an absolute URL break on the package index.
    relative = re.findall(r"!?\[[^\]]*\]\((?!https?://)([^)]*)\)", text)
    relative += re.findall(r"""(?:src|href)=["'](?!https?://)([^"']*)""", text)
    assert relative == []
    # The files it names instead exist (and MANIFEST.in ships their folders).
    named = re.findall(r"`((?:docs|examples|benchmarks|tests|schemas|scripts)/[\w./-]+)`", text)
    assert "docs/cli.md" in named or "docs/http-usage.md" in named
    missing = [name for name in named if not (REPO / name).exists()]
    assert missing == []
