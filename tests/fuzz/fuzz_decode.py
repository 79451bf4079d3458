"""Coverage-guided fuzzing of decode / Decoder / decode_http with atheris (libFuzzer).

    .venv/bin/python tests/fuzz/fuzz_decode.py -atheris_runs=100000 tests/fuzz/corpus

Any exception other than an ``MM7Error`` subclass, one input running over
2 s of CPU (``FUZZ_TIME_LIMIT``), or the process RSS growing more than
512 MiB over its level after warm-up (``FUZZ_RSS_GROWTH_MB``) is a crash:
libFuzzer writes the input to ``crash-*`` and stops. libFuzzer's own
``-timeout`` (wall clock, default set here to 10 s) and ``-rss_limit_mb``
(default here 2048) back those up. See README.md in this folder.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import atheris

with atheris.instrument_imports(include=["mm7codec"]):
    import mm7codec
    import mm7codec._content
    import mm7codec._decoder
    import mm7codec._encoder
    import mm7codec._headers
    import mm7codec._http1
    import mm7codec._mime_parse
    import mm7codec._mime_write
    import mm7codec._part
    import mm7codec._transfer
    import mm7codec._xml_decode
    import mm7codec._xml_encode  # noqa: F401

import harness

TIME_LIMIT = float(os.environ.get("FUZZ_TIME_LIMIT", "2"))
RSS_GROWTH = int(os.environ.get("FUZZ_RSS_GROWTH_MB", "512")) << 20
_WARMUP = 2000
_state = {"runs": 0, "baseline": 0}


class MemoryGrowth(AssertionError):
    """RSS grew past the bound: some input is held or amplified without limit."""


def test_one_input(data: bytes) -> None:
    harness.check_one(data, time_limit=TIME_LIMIT)
    _state["runs"] += 1
    runs = _state["runs"]
    if runs == _WARMUP:
        _state["baseline"] = harness.rss_bytes()
    elif runs > _WARMUP and runs % 64 == 0:
        rss = harness.rss_bytes()
        if rss > _state["baseline"] + RSS_GROWTH:
            raise MemoryGrowth(
                f"RSS {rss >> 20} MiB after {runs} inputs, "
                f"{_state['baseline'] >> 20} MiB after warm-up"
            )


def main() -> None:
    argv = list(sys.argv)
    if not any(a.startswith("-timeout=") for a in argv):
        argv.insert(1, "-timeout=10")
    if not any(a.startswith("-rss_limit_mb=") for a in argv):
        argv.insert(1, "-rss_limit_mb=2048")
    if not any(a.startswith("-max_len=") for a in argv):
        argv.insert(1, "-max_len=65536")
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
