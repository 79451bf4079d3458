"""The fuzz harness in the normal suite: every seed replays cleanly, the checks themselves work,
and (where atheris is installed) a short coverage-guided run passes."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import harness
import pytest

from mm7codec import EncodeError, LimitExceededError, MM7Error

HERE = Path(__file__).resolve().parent


def test_corpus_is_small_and_complete() -> None:
    files = harness.corpus_files()
    assert len(files) >= 50
    assert sum(p.stat().st_size for p in files) < 2 << 20
    # Every mode is seeded.
    assert {harness.split_input(p.read_bytes())[0] for p in files} == {0, 1, 2, 3}


def test_every_seed_replays_without_escape_or_hang() -> None:
    assert harness.replay(harness.corpus_files(), time_limit=5.0) >= 50


def test_seeds_decode_to_messages() -> None:
    decoded = 0
    for path in harness.corpus_files():
        if path.name.startswith("regress-"):
            continue
        try:
            harness.run_input(path.read_bytes())
        except MM7Error:
            continue
        decoded += 1
    assert decoded >= 40  # the seeds are valid messages, so mutations start from real ones


def test_escape_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(data: bytes) -> None:
        raise KeyError("not an MM7Error")

    monkeypatch.setattr(harness, "run_input", boom)
    with pytest.raises(harness.Escape, match="KeyError escaped decode"):
        harness.check_one(b"\0\0\0\0")


def test_decode_errors_are_fine(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(data: bytes) -> None:
        raise LimitExceededError("refused")

    monkeypatch.setattr(harness, "run_input", refuse)
    harness.check_one(b"\0\0\0\0")


def test_other_mm7_errors_from_a_decoder_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    def wrong(data: bytes) -> None:
        raise EncodeError("an encoder error out of decode")

    monkeypatch.setattr(harness, "run_input", wrong)
    with pytest.raises(harness.Escape, match="EncodeError from decode"):
        harness.check_one(b"\0\0\0\0")


def test_hang_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    def spin(data: bytes) -> None:
        while True:
            pass

    monkeypatch.setattr(harness, "run_input", spin)
    with pytest.raises(harness.Hang):
        harness.check_one(b"\0\0\0\0", time_limit=0.2)


def test_modes_and_chunking() -> None:
    body = harness.body_payload(b"<a/>", "text/xml")
    for mode in range(4):
        data = harness.make_input(mode, body, flags=harness.FLAG_SMALL_LIMITS, seed=513)
        assert harness.split_input(data) == (mode, 1, 513, body)
        harness.check_one(data)
    chunks = list(harness.chunks_of(bytes(range(200)), 7))
    assert b"".join(chunks) == bytes(range(200)) and len(chunks) > 1
    assert harness.split_input(b"") == (0, 0, 0, b"")
    assert harness.rss_bytes() > 0


@pytest.mark.skipif(
    importlib.util.find_spec("atheris") is None,
    reason="atheris is not installed (pip install -e '.[fuzz]'); the corpus replay above still runs",
)
def test_atheris_short_run(tmp_path: Path) -> None:
    work = tmp_path / "corpus"
    work.mkdir()
    for path in harness.corpus_files():
        (work / path.name).write_bytes(path.read_bytes())
    env = dict(os.environ, PYTHONPATH=str(HERE.parent.parent))
    result = subprocess.run(
        [
            sys.executable,
            str(HERE / "fuzz_decode.py"),
            "-atheris_runs=1500",
            f"-artifact_prefix={tmp_path}/",
            str(work),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Done 1500 runs" in result.stderr or "Done 1500" in result.stderr


def test_feedings_are_compared_and_a_disagreement_is_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seeds = [p.read_bytes() for p in harness.corpus_files()]
    body_seeds = [s for s in seeds if harness.split_input(s)[0] != harness.MODE_HTTP]
    compared = 0
    for data in body_seeds:
        harness.compare_feedings(data)  # the seeds agree
        compared += 1
    assert compared >= 40
    real = harness.feeding_outcome

    def chunk_sensitive(body: bytes, label: object, chunks: object, **kw: object) -> object:
        pieces = list(chunks)  # type: ignore[call-overload]
        if len(pieces) > 1:
            return ("error", "DecodeError", 2004)
        return real(body, label, iter(pieces), **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(harness, "feeding_outcome", chunk_sensitive)
    with pytest.raises(harness.Disagreement, match="fed byte-wise: DecodeError 2004"):
        harness.check_one(body_seeds[0])


def test_limit_outcome_does_not_depend_on_feeding() -> None:
    # Issue 13: over max_message_size with a bare LF early on, strict mode; whole it
    # used to be LimitExceededError, byte-wise DecodeError.
    body = b"--b\nContent-Type: text/plain\n\n" + b"x" * (70 << 10) + b"\n--b--\n"
    label = 'multipart/related; boundary="b"'
    for mode in (harness.MODE_DECODE, harness.MODE_CHUNKED, harness.MODE_STRICT):
        data = harness.make_input(
            mode, harness.body_payload(body, label), flags=harness.FLAG_SMALL_LIMITS, seed=5
        )
        harness.compare_feedings(data)
    strict = harness.make_input(
        harness.MODE_STRICT, harness.body_payload(body, label), flags=harness.FLAG_SMALL_LIMITS
    )
    with pytest.raises(MM7Error, match="bare-lf"):
        harness.run_input(strict)
