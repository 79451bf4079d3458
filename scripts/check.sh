#!/usr/bin/env bash
# Bootstrap .venv with the development tools and run every check mm7codec has.
# This is the README's test command; .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'

step() { printf '\n== %s\n' "$*"; }

# tests/test_dedupe.py runs the Redis recipe against a real redis-server (a failure under CI=true).
if ! command -v redis-server >/dev/null 2>&1; then
    echo "redis-server missing: installing Debian's redis-server for the Redis dedupe tests"
    (apt-get update -qq && apt-get install -y -qq redis-server) >/dev/null \
        || echo "could not install redis-server: the Redis tests will skip (fail under CI=true)"
fi

step "ruff (lint and format)"
.venv/bin/ruff check mm7codec tests benchmarks schemas examples
.venv/bin/ruff format --check mm7codec tests benchmarks schemas examples

step "mypy --strict"
.venv/bin/mypy --strict mm7codec

step "minimum Python version (vermin: 3.9)"
.venv/bin/vermin --no-tips --violations --target=3.9- mm7codec

# The oldest supported Python, where this machine has it (pyenv keeps it off PATH).
PY39=$(command -v python3.9 2>/dev/null || true)
if [ -z "$PY39" ] || ! "$PY39" -c 'import sys' >/dev/null 2>&1; then
    PY39=$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.9*/bin/python3.9 2>/dev/null | tail -n 1)
fi
if [ -n "$PY39" ] && "$PY39" -c 'import sys' >/dev/null 2>&1; then
    step "smoke test on a real Python 3.9 ($PY39)"
    "$PY39" -S -c 'import mm7codec, sys; print("mm7codec", mm7codec.__version__, "imports on", sys.version.split()[0])'
    "$PY39" -m mm7codec versions >/dev/null
    "$PY39" -m mm7codec demo >/dev/null
    for example in examples/*.http; do
        "$PY39" -m mm7codec decode --strict --json "$example" >/dev/null
    done
    echo "CLI versions, demo and a strict decode of every example ran on Python 3.9"
else
    echo "(no Python 3.9 interpreter here: the 3.9 check rests on vermin)"
fi

step "sdist: build it, unpack it, run a quick subset of its own tests"
# What a packager gets must test itself: conftest, strategies, vectors/ and examples/ ship.
SDIST_TMP=$(mktemp -d)
trap 'rm -rf "$SDIST_TMP"' EXIT
.venv/bin/python -m build --sdist --no-isolation --outdir "$SDIST_TMP" . >/dev/null
tar -xzf "$SDIST_TMP"/mm7codec-*.tar.gz -C "$SDIST_TMP"
XSD_DIR=${MM7_XSD_DIR:-$(cd .. && pwd)/shared/mm7-xsd}
VENV_PY=$(pwd)/.venv/bin/python
(
    cd "$SDIST_TMP"/mm7codec-*/
    # python -m puts the unpacked tree first on sys.path: its mm7codec is the one tested.
    "$VENV_PY" -c 'import mm7codec, os, sys; sys.exit(not mm7codec.__file__.startswith(os.getcwd()))'
    MM7_XSD_DIR="$XSD_DIR" "$VENV_PY" -m pytest -q -p no:cacheprovider \
        tests/test_package.py tests/test_examples.py tests/test_cli.py tests/test_profiles.py \
        tests/test_numbers.py tests/test_errors.py tests/test_codec.py
)
echo "the sdist's tests ran from $(basename "$SDIST_TMP"/mm7codec-*.tar.gz)"

step "pytest with branch coverage"
.venv/bin/python -bb -m pytest -q -p no:cacheprovider \
    --cov=mm7codec --cov-branch --cov-report=term-missing:skip-covered \
    --cov-fail-under="${MM7_COVERAGE_MIN:-95}" "$@"
