"""Instructions per call, counted by valgrind: the ratios that do not move with the machine.

    python3 benchmarks/instructions.py           # about a minute; needs valgrind
    python3 benchmarks/instructions.py --calls 50 --extra 550

Wall-clock ratios between interpreted Python and a C baseline (``ET.fromstring``,
``binascii``) or a C-heavier one (stdlib ``email``) move from machine to machine
by 10-15 % with the same code (README, "Performance"). The number of instructions
executed does not: each contender runs in a child interpreter under valgrind's
cachegrind (no cache simulation) twice, ``--calls`` and ``--calls + --extra``
times after the same set-up, and the difference divided by ``--extra`` is the
cost of one call, start-up and imports cancelled out. With ``PYTHONHASHSEED=0`` a
count repeats to within 0.1 % (object addresses still vary from run to run).

Instructions are not time: interpreted code runs fewer instructions per cycle
than C, so these ratios flatter mm7codec against C baselines (2.76× fewer than
``email`` counted, 2.0-2.3× faster timed, for the 4 KB message). They are a
regression guard and a yardstick across machines, not a substitute for run.py.
Only the decode paths are counted; encode time is dominated by memory copies and
page faults, which instruction counts do not see.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from typing import Callable, Dict, List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# (case, contender, baseline): names of contenders(). Against stdlib email the
# ratio is how many times fewer (run.py's "N× email"); against ET.fromstring, how
# many times its count (run.py's "N× the time of ET.fromstring").
COMPARISONS: List[Tuple[str, str, str]] = [
    ("4 KB message, end to end (mm7codec.decode)", "small-e2e", "small-email"),
    ("4 KB message, MIME layer (mm7codec._mime.parse)", "small-mime", "small-email"),
    ("4 KB message, bare floor (benchmarks/floor.py)", "small-floor", "small-email"),
    ("bare DeliveryReportReq envelope (mm7codec.decode)", "drr-ours", "drr-et"),
    ("bare SubmitRsp envelope (mm7codec.decode)", "rsp-ours", "rsp-et"),
]
BASELINES = {"small-email": "stdlib email", "drr-et": "ET.fromstring", "rsp-et": "ET.fromstring"}


def contenders() -> Dict[str, Callable[[], object]]:
    """Every contender, set up: run.py's inputs, so both scripts measure the same bytes."""
    sys.path[:0] = [HERE, ROOT]
    import xml.etree.ElementTree as ET

    import run
    from floor import bare_decode

    import mm7codec
    from mm7codec._mime import parse

    body, ct = run.small_message()
    envelopes = run.bare_envelopes()
    drr, rsp = envelopes["DeliveryReportReq"], envelopes["SubmitRsp"]
    return {
        "small-e2e": lambda: mm7codec.decode(body, content_type=ct),
        "small-mime": lambda: parse(body, ct),
        "small-floor": lambda: bare_decode(body, ct),
        "small-email": lambda: run.stdlib_decode(body, ct),
        "drr-ours": lambda: mm7codec.decode(drr, "text/xml"),
        "drr-et": lambda: ET.fromstring(drr),
        "rsp-ours": lambda: mm7codec.decode(rsp, "text/xml"),
        "rsp-et": lambda: ET.fromstring(rsp),
    }


def child(name: str, calls: int) -> None:
    fn = contenders()[name]
    for _ in range(calls):
        fn()


_I_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def count(valgrind: str, name: str, calls: int) -> int:
    """Instructions executed by a child interpreter that runs ``name`` ``calls`` times."""
    env = dict(os.environ, PYTHONHASHSEED="0")
    proc = subprocess.run(
        [
            valgrind,
            "--tool=cachegrind",
            "--cache-sim=no",
            "--branch-sim=no",
            "--cachegrind-out-file=/dev/null",
            sys.executable,
            os.path.abspath(__file__),
            "--child",
            name,
            str(calls),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    found = _I_REFS.search(proc.stderr)
    if proc.returncode != 0 or found is None:
        raise SystemExit(f"valgrind failed for {name}:\n{proc.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def per_call(valgrind: str, name: str, calls: int, extra: int) -> float:
    return (count(valgrind, name, calls + extra) - count(valgrind, name, calls)) / extra


def main(argv: List[str]) -> int:
    if argv[:1] == ["--child"]:
        child(argv[1], int(argv[2]))
        return 0
    calls = int(argv[argv.index("--calls") + 1]) if "--calls" in argv else 20
    extra = int(argv[argv.index("--extra") + 1]) if "--extra" in argv else 200
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        print("valgrind is not installed (Debian: apt-get install valgrind): nothing counted")
        return 0
    print(
        f"Python {sys.version.split()[0]}; instructions per call = (count after "
        f"{calls + extra} calls - count after {calls}) / {extra}; PYTHONHASHSEED=0\n"
    )
    names = sorted({n for _, a, b in COMPARISONS for n in (a, b)})
    counted = {name: per_call(valgrind, name, calls, extra) for name in names}
    print("| case | instructions/call | baseline | instructions/call | ratio |")
    print("|---|---|---|---|---|")
    for label, ours, base in COMPARISONS:
        if base == "small-email":
            ratio = f"{counted[base] / counted[ours]:.2f}× fewer than email"
        else:
            ratio = f"{counted[ours] / counted[base]:.2f}× ET.fromstring's"
        print(
            f"| {label} | {counted[ours]:,.0f} | {BASELINES[base]} | {counted[base]:,.0f} "
            f"| {ratio} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
