"""Command line: ``python3 -m mm7codec COMMAND``.

Commands: ``versions`` (the version table), ``decode FILE`` (a readable
summary; ``--json``; ``--http`` for a whole HTTP request or response;
``--extract DIR``), ``encode SPEC.json``, ``respond FILE`` and ``demo``.
Errors print one line and exit non-zero.
"""

from __future__ import annotations

import argparse
import sys

from ._errors import MM7Error
from ._versions import VERSIONS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, Optional


def _versions_table() -> str:
    first = set(VERSIONS[0].pdus)
    rows = [("schema", "wire MM7Version", "accepted MM7Version", "PDUs")]
    for version in VERSIONS:
        extra = [n for n in version.pdus if n not in first]
        pdus = f"{len(version.pdus)}" + (f" (+ {', '.join(extra)})" if extra else "")
        rows.append(
            (version.name, version.default_mm7_version, " ".join(version.mm7_versions), pdus)
        )
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = []
    for index, row in enumerate(rows):
        lines.append(
            "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3]
        )
        if index == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * len(row[3]))
    namespace = VERSIONS[0].namespace.rsplit("/", 1)[0] + "/<schema>"
    lines.append("")
    lines.append(f"namespace: {namespace}")
    return "\n".join(lines)


def _cmd_versions(args: argparse.Namespace) -> int:
    print(_versions_table())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"python3 -m {__package__}",
        description="Encode and decode MM7 (3GPP TS 23.140) messages.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    versions = commands.add_parser("versions", help="print the MM7 schema version table")
    versions.set_defaults(run=_cmd_versions)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except MM7Error as exc:
        print(f"mm7codec: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(
            f"mm7codec: error: {exc.strerror or exc}: {getattr(exc, 'filename', '')}",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
