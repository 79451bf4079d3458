"""Import time of mm7codec: `python3 -X importtime -S -c "import mm7codec"`, best of N.

Target (DESIGN.md §4): <= 30 ms, standard library only. Byte-compiled files
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


def measure(rounds: int = 7) -> float:
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        env["PYTHONPYCACHEPREFIX"] = cache
        command = [sys.executable, "-S", "-X", "importtime", "-c", "import mm7codec"]
        subprocess.run(command, cwd=REPO, env=env, check=True, capture_output=True)
        best = float("inf")
        for _ in range(rounds):
            done = subprocess.run(
                command, cwd=REPO, env=env, check=True, capture_output=True, text=True
            )
            for line in done.stderr.splitlines():
                fields = [f.strip() for f in line.split("|")]
                if len(fields) == 3 and fields[2] == "mm7codec":
                    best = min(best, int(fields[1]) / 1000)
        return best


def main() -> int:
    ms = measure()
    verdict = "PASS" if ms <= TARGET_MS else "FAIL"
    print(f"import mm7codec: {ms:.1f} ms (target <= {TARGET_MS:.0f} ms) {verdict}")
    return 0 if ms <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
