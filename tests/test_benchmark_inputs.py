"""benchmarks/instructions.py counts what run.py times: its contenders must run and agree."""

from __future__ import annotations

import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def test_every_counted_contender_runs_and_decodes_the_same_message() -> None:
    saved = list(sys.path)
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import instructions

        found = instructions.contenders()  # imports run.py and floor.py beside it
    finally:
        sys.path[:] = saved
    named = {name for _, ours, base in instructions.COMPARISONS for name in (ours, base)}
    assert named == set(found)
    results = {name: fn() for name, fn in found.items()}
    # The same bytes reach every contender: the decoded subject is the floor's.
    floor_pdu, _ = results["small-floor"]
    assert results["small-e2e"].pdu.subject == floor_pdu["Subject"][0]
    assert type(results["drr-ours"].pdu).__name__ == "DeliveryReportReq"
    assert type(results["rsp-ours"].pdu).__name__ == "SubmitRsp"
    assert results["rsp-et"].tag.endswith("Envelope")
