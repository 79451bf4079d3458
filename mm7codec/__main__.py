"""Command line: ``python3 -m mm7codec COMMAND`` (documented in ``docs/cli.md``).

Commands: ``versions`` (the version table), ``decode FILE`` (a readable
summary; ``--json``; ``--http`` for a whole HTTP request or response;
``--extract DIR``), ``encode SPEC.json``, ``respond FILE`` and ``demo``.
Errors print one line and exit 1; a reader that closes the pipe early
(``| head``) ends the command quietly with 141, as a shell reports SIGPIPE.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from ._errors import DecodeError, MM7Error
from ._versions import LATEST, VERSIONS

#: Exit status when stdout's reader went away: 128 + SIGPIPE, what shells report.
EXIT_BROKEN_PIPE = 141

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, List, Optional, Tuple

    from ._exchange import Answer, HandlerResult
    from ._message import Message
    from ._part import Part
    from .profiles import Profile


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


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as handle:
        return handle.read()


def _looks_like_http(data: bytes) -> bool:
    head = data.lstrip(b"\r\n")[:16]
    return head.startswith(b"HTTP/") or head.split(b" ", 1)[0] in (b"POST", b"PUT", b"GET")


def _decode_file(args: argparse.Namespace) -> Message:
    from . import _decoder

    data = _read(args.file)
    if args.http or (not args.content_type and _looks_like_http(data)):
        return _decoder.decode_http(data, strict=args.strict)
    return _decoder.decode(data, args.content_type, strict=args.strict)


def _format_value(value: Any) -> str:
    from ._jsonform import value_to_data

    data = value_to_data(value)
    return data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)


def _tree_lines(part: Part, depth: int = 0) -> List[str]:
    pad = "  " * depth
    cid = f"  cid:{part.content_id}" if part.content_id else ""
    location = f"  location:{part.content_location}" if part.content_location else ""
    if part.is_multipart:
        lines = [f"{pad}{part.content_type.mime_type}  ({len(part.parts)} parts){cid}{location}"]
        for child in part.parts:
            lines.extend(_tree_lines(child, depth + 1))
        return lines
    line = f"{pad}{part.content_type.mime_type}  {part.size} bytes{cid}{location}"
    if part.content_type.type == "text" and part.size <= 4096:
        text = " ".join(part.as_text().split())
        line += f"  {text[:60]!r}" + ("..." if len(text) > 60 else "")
    return [line]


def summary(message: Message) -> str:
    """A readable account of a message: PDU, every field, the part tree, the defects."""
    from ._record import iter_items

    pdu = message.pdu
    lines = [
        f"{pdu.WIRE_NAME}  (schema {message.version.name}, MM7Version {message.mm7_version})",
        f"  transaction_id: {message.transaction_id}",
    ]
    for name, value in iter_items(pdu):
        if value is None or value == ():
            continue
        lines.append(f"  {name}: {_format_value(value)}")
    if message.content is not None:
        lines.append("content:")
        lines.extend("  " + line for line in _tree_lines(message.content))
    if message.defects:
        lines.append(f"defects ({len(message.defects)}):")
        lines.extend(f"  - {defect}" for defect in message.defects)
    else:
        lines.append("defects: none")
    return "\n".join(lines)


def _extract(message: Message, folder: str) -> List[str]:
    import mimetypes

    os.makedirs(folder, exist_ok=True)
    written: List[str] = []
    if message.content is None:
        return written
    for index, part in enumerate(p for p in message.content.walk() if not p.is_multipart):
        base = part.filename or part.content_id or f"part{index + 1}"
        name = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in base)[:80]
        if "." not in name:
            name += mimetypes.guess_extension(part.content_type.mime_type) or ".bin"
        path = os.path.join(folder, f"{index + 1:02d}-{name}")
        with open(path, "wb") as handle:
            for chunk in part.iter_data():
                handle.write(chunk)
        written.append(path)
    return written


def _cmd_decode(args: argparse.Namespace) -> int:
    from ._jsonform import message_to_data

    message = _decode_file(args)
    if args.json:
        # With the content bytes: what encode takes back (docs/cli.md).
        data = message_to_data(message, data=True)
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(summary(message))
    if args.extract:
        for path in _extract(message, args.extract):
            print(f"wrote {path}", file=sys.stderr if args.json else sys.stdout)
    return 0


def _http_text(start_line: str, headers: List[Tuple[str, str]], body: bytes) -> bytes:
    """A whole HTTP message; Content-Length is added unless ``headers`` has one."""
    if not any(k.lower() == "content-length" for k, _ in headers):
        headers = [*headers, ("Content-Length", str(len(body)))]
    head = [start_line, *(f"{k}: {v}" for k, v in headers)]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def _profile(args: argparse.Namespace) -> Profile:
    from .profiles import STANDARD, get_profile

    try:
        return get_profile(args.profile) if args.profile else STANDARD
    except ValueError as exc:
        raise MM7Error(str(exc)) from None


def _cmd_encode(args: argparse.Namespace) -> int:
    from ._encoder import encode
    from ._jsonform import message_from_spec
    from ._pdu import Request

    chosen = _profile(args)  # STANDARD when --profile is not given
    try:
        spec = json.loads(_read(args.spec).decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise DecodeError(f"{args.spec}: not a JSON spec: {exc}") from None
    # With --profile, encode applies it (pairing, number rule, SOAPAction or answer
    # headers); without one the spec's own version stands, the headers as STANDARD's.
    encoded = encode(
        message_from_spec(spec),
        validate=not args.no_validate,
        profile=chosen if args.profile else None,
    )
    message = encoded.message
    body = encoded.body
    output = args.output or os.path.splitext(os.path.basename(args.spec))[0] + ".mm7"
    is_request = isinstance(message.pdu, Request)
    headers = encoded.headers
    if not args.profile:
        adjust = chosen.request_headers if is_request else chosen.response_headers
        headers = adjust(headers)
    if is_request:
        headers = [("Host", args.host), *headers]
        start = f"POST {args.path} HTTP/1.1"
    else:
        # An answer: no SOAPAction, a request header (response_headers dropped it).
        start = "HTTP/1.1 500 Internal Server Error" if message.is_fault else "HTTP/1.1 200 OK"
    data = _http_text(start, headers, body) if args.http else body
    with open(output, "wb") as handle:
        handle.write(data)
    for name, value in headers:
        print(f"{name}: {value}")
    print(f"Content-Length: {len(body)}")
    print(f"(body written to {output})", file=sys.stderr)
    return 0


def _respond(args: argparse.Namespace) -> Answer:
    from ._exchange import _SNIFF_SIZE, ReceiverPolicy
    from ._pdu import SubmitReq

    # The receiver policy make_wsgi_app uses, so the answer is the one it would give.
    profile = _profile(args) if args.profile else None  # make_wsgi_app's default: none
    policy = ReceiverPolicy(strict=args.strict, side=args.side, profile=profile)
    data = _read(args.file)
    method, headers = "POST", [("Content-Type", args.content_type)] if args.content_type else []
    if args.http or (not args.content_type and _looks_like_http(data)):
        from ._http1 import parse_http

        try:
            http = parse_http(data)
        except MM7Error as exc:
            return policy.refusal(400, exc, data[:_SNIFF_SIZE])
        # A captured answer is taken as the request it is not (4003, as the app says).
        method, headers, data = http.method or method, list(http.headers), http.body

    def handler(message: Message) -> HandlerResult:
        if isinstance(message.pdu, SubmitReq):
            return message.response(message_id=os.urandom(8).hex())
        return None

    return policy.answer_whole(method, headers, data, handler)


def _cmd_respond(args: argparse.Namespace) -> int:
    answer = _respond(args)
    head = f"HTTP/1.1 {answer.status_line}"
    sys.stdout.buffer.write(_http_text(head, answer.headers, answer.body))
    sys.stdout.flush()
    return 0


def _demo_message() -> Message:
    from ._content import presentation
    from ._message import Message
    from ._part import Part
    from ._pdu import Address, Recipients, SenderIdentification, SubmitReq

    pixel = bytes.fromhex(
        "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
    )
    content = presentation(
        [
            Part.bytes(pixel, "image/gif", content_location="pixel.gif"),
            Part.text("Hello from the demo \u263a"),
        ]
    )
    pdu = SubmitReq(
        sender_identification=SenderIdentification(
            vasp_id="API_KEY", vas_id="12345mms", sender_address=Address.short_code("12345")
        ),
        recipients=Recipients(to=[Address.number("15553199144")]),
        subject="Hello",
        delivery_report=True,
    )
    return Message(pdu, "demo-1", content=content)


def _cmd_demo(args: argparse.Namespace) -> int:
    from ._decoder import decode
    from ._encoder import encode

    message = _demo_message()
    encoded = encode(message, version=args.version)
    print(f"-- encoded: {len(encoded.body)} bytes")
    for name, value in encoded.headers:
        print(f"{name}: {value}")
    decoded = decode(encoded.body, encoded.content_type)
    print("\n-- decoded again")
    print(summary(decoded))
    print("\n-- the relay's answer")
    print(summary(decoded.response(message_id="msg-0001")))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"python3 -m {__package__}",
        description="Encode and decode MM7 (3GPP TS 23.140) messages.",
        epilog=(
            "The JSON spec that encode reads (and decode --json writes) is described in"
            " docs/cli.md, shipped in the source distribution."
        ),
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    versions = commands.add_parser("versions", help="print the MM7 schema version table")
    versions.set_defaults(run=_cmd_versions)

    def source(command: argparse.ArgumentParser) -> None:
        command.add_argument("file", help="the MM7 body, or a whole HTTP message ('-': stdin)")
        command.add_argument(
            "--http",
            action="store_true",
            help="FILE is a whole HTTP request or response (detected anyway)",
        )
        command.add_argument("--content-type", help="the body's Content-Type when FILE is a body")
        command.add_argument(
            "--strict",
            action="store_true",
            help="fail on any deviation instead of recording a defect",
        )

    decode = commands.add_parser("decode", help="decode an MM7 message and describe it")
    source(decode)
    decode.add_argument("--json", action="store_true", help="print JSON instead of a summary")
    decode.add_argument("--extract", metavar="DIR", help="write every content part to DIR")
    decode.set_defaults(run=_cmd_decode)

    def profile(command: argparse.ArgumentParser) -> None:
        from .profiles import PROFILES

        command.add_argument(
            "--profile",
            metavar="NAME",
            help=f"the peer's gateway profile ({', '.join(PROFILES)})",
        )

    encode = commands.add_parser(
        "encode",
        help="encode a message described in a JSON spec (format: docs/cli.md)",
        epilog="The spec format is described in docs/cli.md.",
    )
    encode.add_argument("spec", help="the JSON spec ('-': stdin)")
    encode.add_argument("-o", "--output", help="where to write the body (default: SPEC.mm7)")
    encode.add_argument("--http", action="store_true", help="write a whole HTTP POST request")
    encode.add_argument("--path", default="/mm7", help="request path for --http")
    encode.add_argument("--host", default="localhost", help="Host header for --http")
    encode.add_argument(
        "--no-validate",
        action="store_true",
        help="write values as given, schema-valid or not (to pass decoded quirks through)",
    )
    profile(encode)
    encode.set_defaults(run=_cmd_encode)

    respond = commands.add_parser(
        "respond", help="print the HTTP response a receiver (make_wsgi_app) would send"
    )
    source(respond)
    respond.add_argument(
        "--side",
        choices=("vasp", "relay"),
        default="vasp",
        help="which side answers: a VASP (VASPErrorRsp faults) or a relay (RSErrorRsp)",
    )
    profile(respond)
    respond.set_defaults(run=_cmd_respond)

    demo = commands.add_parser("demo", help="build, encode and decode a sample MMS")
    demo.add_argument("--version", default=LATEST.name, help="schema version to encode")
    demo.set_defaults(run=_cmd_demo)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = int(args.run(args))
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return code
    except BrokenPipeError:
        # The reader (head, less) has what it wanted. Point stdout at devnull so the
        # interpreter's final flush does not report the pipe again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):  # a stdout without a file descriptor (embedded use)
            pass
        finally:
            os.close(devnull)
        return EXIT_BROKEN_PIPE
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
