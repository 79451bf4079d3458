"""Write the fuzz seed corpus into tests/fuzz/corpus/ (deterministic, well under 2 MB).

    .venv/bin/python tests/fuzz/make_corpus.py          # (re)write the seeds
    .venv/bin/python tests/fuzz/make_corpus.py --check  # exit 1 if a seed differs

Seeds: every ``examples/*.http`` whole (``decode_http``) and as body plus
Content-Type (``decode`` and chunked ``Decoder``); the minimal and maximal
message of every PDU in the oldest and newest schema, encoded; encoded
messages with content (text, base64 binary, quoted-printable, a SMIL
presentation); and hand-made edge cases (UTF-16 and Latin-1 envelopes,
chunked HTTP, a SOAP Fault, nested multiparts). Files found by fuzzing that
once crashed are kept as ``regress-*`` and never rewritten here.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(HERE))

from harness import (  # noqa: E402
    FLAG_REENCODE,
    FLAG_SMALL_LIMITS,
    MODE_CHUNKED,
    MODE_DECODE,
    MODE_HTTP,
    MODE_STRICT,
    body_payload,
    make_input,
)
from pdu_strategies import maximal_message, minimal_message  # noqa: E402

from mm7codec import VERSIONS, Message, Part, encode, presentation  # noqa: E402

CORPUS = HERE / "corpus"


class _SeededOs:
    """Stands in for ``os`` in the writer modules: boundaries from a counter, not urandom."""

    def __init__(self) -> None:
        self.count = 0

    def urandom(self, n: int) -> bytes:
        self.count += 1
        return self.count.to_bytes(n, "big")


def _deterministic_boundaries() -> None:
    import mm7codec._encoder
    import mm7codec._mime_write

    seeded = _SeededOs()
    mm7codec._encoder.os = seeded  # type: ignore[assignment]
    mm7codec._mime_write.os = seeded  # type: ignore[attr-defined]


SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS = "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-6-MM7-1-4"


def split_http(raw: bytes) -> Tuple[Optional[str], bytes]:
    """The Content-Type and body of a whole HTTP message (CRLF or LF)."""
    sep = b"\r\n\r\n" if b"\r\n\r\n" in raw else b"\n\n"
    head, _, body = raw.partition(sep)
    for line in head.decode("latin-1").splitlines()[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-type":
            return value.strip(), body
    return None, body


def envelope(pdu_xml: str, tx: str = "tx-1", decl: str = '<?xml version="1.0"?>') -> str:
    return (
        f'{decl}<env:Envelope xmlns:env="{SOAP}"><env:Header>'
        f'<mm7:TransactionID xmlns:mm7="{NS}">{tx}</mm7:TransactionID></env:Header>'
        f"<env:Body>{pdu_xml}</env:Body></env:Envelope>"
    )


def _body_seeds(name: str, body: bytes, ct: Optional[str], out: Dict[str, bytes]) -> None:
    payload = body_payload(body, ct)
    out[f"{name}.decode"] = make_input(MODE_DECODE, payload, flags=FLAG_REENCODE)
    out[f"{name}.chunked"] = make_input(MODE_CHUNKED, payload, seed=len(name))
    out[f"{name}.small"] = make_input(MODE_CHUNKED, payload, flags=FLAG_SMALL_LIMITS, seed=7)
    out[f"{name}.strict"] = make_input(MODE_STRICT, payload, seed=3)


def seeds() -> Dict[str, bytes]:
    out: Dict[str, bytes] = {}
    for path in sorted((ROOT / "examples").glob("*.http")):
        raw = path.read_bytes()
        out[f"example-{path.stem}.http"] = make_input(MODE_HTTP, raw)
        out[f"example-{path.stem}.http-small"] = make_input(
            MODE_HTTP, raw, flags=FLAG_SMALL_LIMITS | FLAG_REENCODE
        )
        ct, body = split_http(raw)
        _body_seeds(f"example-{path.stem}", body, ct, out)

    for version in (VERSIONS[0], VERSIONS[-1]):
        for wire in version.pdus:
            for kind, build in (("min", minimal_message), ("max", maximal_message)):
                encoded = encode(build(version, wire))
                payload = body_payload(encoded.body, encoded.content_type)
                out[f"pdu-{version.name}-{wire}-{kind}"] = make_input(
                    MODE_DECODE if kind == "max" else MODE_CHUNKED,
                    payload,
                    flags=FLAG_REENCODE,
                    seed=len(wire),
                )

    submit = minimal_message(VERSIONS[-1], "SubmitReq")
    contents: List[Tuple[str, Part]] = [
        ("text", Part.text("Hello, wörld\r\n", content_id="t1")),
        ("binary", Part.bytes(bytes(range(256)) * 2, "image/jpeg", content_id="img")),
        (
            "qp",
            Part.bytes(
                "façade = 1\r\n".encode() * 8,
                "text/plain; charset=utf-8",
                content_id="qp",
                transfer_encoding="quoted-printable",
            ),
        ),
        (
            "smil",
            presentation(
                [
                    Part.bytes(b"\xff\xd8\xff\xe0JFIF" + bytes(40), "image/jpeg"),
                    Part.text("caption"),
                ]
            ),
        ),
    ]
    for name, content in contents:
        message = Message(submit.pdu, f"tx-{name}", submit.version, content=content)
        encoded = encode(message)
        out[f"content-{name}"] = make_input(
            MODE_CHUNKED, body_payload(encoded.body, encoded.content_type), flags=FLAG_REENCODE
        )
        http = (
            b"POST /mm7 HTTP/1.1\r\nContent-Type: "
            + encoded.content_type.encode()
            + b"\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        body = encoded.body
        for i in range(0, len(body), 300):
            piece = body[i : i + 300]
            http += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        out[f"content-{name}.http-chunked"] = make_input(MODE_HTTP, http + b"0\r\n\r\n")

    rsp = envelope(
        f'<SubmitRsp xmlns="{NS}"><MM7Version>6.8.0</MM7Version><Status>'
        "<StatusCode>1000</StatusCode><StatusText>OK</StatusText></Status>"
        "<MessageID>m1</MessageID></SubmitRsp>"
    )
    out["utf16-envelope"] = make_input(
        MODE_DECODE, body_payload(rsp.encode("utf-16"), "text/xml; charset=utf-16")
    )
    latin = envelope(
        f'<SubmitRsp xmlns="{NS}"><MM7Version>6.8.0</MM7Version><Status>'
        "<StatusCode>1000</StatusCode><StatusText>Café</StatusText></Status>"
        "<MessageID>m1</MessageID></SubmitRsp>",
        decl='<?xml version="1.0" encoding="ISO-8859-1"?>',
    )
    out["latin1-envelope"] = make_input(
        MODE_CHUNKED, body_payload(latin.encode("latin-1"), "text/xml")
    )
    fault = envelope(
        "<env:Fault><faultcode>env:Server</faultcode><faultstring>busy</faultstring>"
        f'<detail><RSErrorRsp xmlns="{NS}"><MM7Version>6.8.0</MM7Version><Status>'
        "<StatusCode>3001</StatusCode><StatusText>x</StatusText><Details><a>1</a></Details>"
        "</Status></RSErrorRsp></detail></env:Fault>"
    )
    out["fault-details"] = make_input(MODE_DECODE, body_payload(fault.encode(), None))
    nested = (
        b"--o\r\nContent-Type: text/xml\r\nContent-ID: <s>\r\n\r\n"
        + rsp.encode()
        + b"\r\n--o\r\nContent-Type: multipart/mixed; boundary=i\r\nContent-ID: <c>\r\n\r\n"
        b"--i\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"aGVsbG8=\r\n--i\r\nContent-Type: text/plain\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\nsoft=\r\nbreak=3D\r\n"
        b"--i--\r\nepilogue\r\n--o--\r\n"
    )
    out["nested-multipart"] = make_input(
        MODE_CHUNKED, body_payload(nested, 'multipart/related; boundary=o; start="<s>"')
    )
    out["sniffed-multipart"] = make_input(MODE_DECODE, body_payload(nested, None))
    return out


def main() -> int:
    check = "--check" in sys.argv
    _deterministic_boundaries()
    CORPUS.mkdir(exist_ok=True)
    wanted = seeds()
    differ = []
    for name, data in sorted(wanted.items()):
        path = CORPUS / name
        if check:
            if not path.is_file() or path.read_bytes() != data:
                differ.append(name)
            continue
        path.write_bytes(data)
    if not check:
        for path in CORPUS.iterdir():
            if path.name not in wanted and not path.name.startswith("regress-"):
                path.unlink()
    total = sum(p.stat().st_size for p in CORPUS.iterdir())
    print(f"{len(wanted)} seeds, corpus {total} bytes")
    for name in differ:
        print(f"differs: {name}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
