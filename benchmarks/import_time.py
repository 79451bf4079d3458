"""Import time of `import mm7codec` and `import mm7codec.http` (`python3 -X importtime -S`),
best of N.

Target (DESIGN.md §4): <= 30 ms each, standard library only. Byte-compiled files
are written to a temporary prefix first, as an installed package has them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_MS = 30.0


def measure(module: str = "mm7codec", rounds: int = 7) -> float:
    """Best cumulative import time of ``module`` in ms, bytecode compiled first."""
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        env["PYTHONPYCACHEPREFIX"] = cache
        command = [sys.executable, "-S", "-X", "importtime", "-c", f"import {module}"]
        subprocess.run(command, cwd=REPO, env=env, check=True, capture_output=True)
        best = float("inf")
        parts = module.split(".")
        wanted = {".".join(parts[: i + 1]) for i in range(len(parts))}
        for _ in range(rounds):
            done = subprocess.run(
                command, cwd=REPO, env=env, check=True, capture_output=True, text=True
            )
            total = 0
            for line in done.stderr.splitlines():
                fields = line.split("|")
                # Top-level imports only (no indent): their cumulative times add up to
                # what the statement cost ("import mm7codec.http" imports mm7codec first).
                if len(fields) == 3 and fields[2][:2] == " m" and fields[2].strip() in wanted:
                    total += int(fields[1]) / 1000
            best = min(best, total)
        return best


def main() -> int:
    ok = True
    for module in ("mm7codec", "mm7codec.http"):
        ms = measure(module)
        verdict = "PASS" if ms <= TARGET_MS else "FAIL"
        ok = ok and ms <= TARGET_MS
        print(f"import {module}: {ms:.1f} ms (target <= {TARGET_MS:.0f} ms) {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
