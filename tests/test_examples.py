"""The files in ``examples/`` (written by hand, not by mm7codec) and the command line.

Each example decodes with ``decode_http`` without a defect, to the PDU and
field values it was written with; re-encoding and decoding again gives an
equal message. The CLI (``python -m mm7codec``) is run as a subprocess.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

from mm7codec import (
    Address,
    DeliverReq,
    DeliveryReportReq,
    Message,
    RSErrorRsp,
    SubmitReq,
    SubmitRsp,
    VASPErrorRsp,
    decode,
    decode_http,
    encode,
)

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
HTTP_FILES = sorted(EXAMPLES.glob("*.http"))
SUBMIT = EXAMPLES / "submit-mt-smil.http"


def load(name: str) -> Message:
    return decode_http((EXAMPLES / name).read_bytes())


def test_the_example_set() -> None:
    assert [p.name for p in HTTP_FILES] == [
        "deliver-mo-picture.http",
        "delivery-report.http",
        "fault-rserror.http",
        "submit-mt-smil.http",
    ]


@pytest.mark.parametrize("path", HTTP_FILES, ids=[p.name for p in HTTP_FILES])
def test_example_decodes_cleanly_and_round_trips(path: Path) -> None:
    raw = path.read_bytes()
    message = decode_http(raw)
    assert message.defects == ()
    assert decode_http(raw, strict=True) == message
    encoded = encode(message, validate=False)  # real-world text in Details is kept as sent
    again = decode(encoded.body, encoded.content_type)
    assert again.defects == ()
    assert again == message
    if message.content is not None:
        assert again.content is not None
        assert [p.data for p in again.content.walk()] == [p.data for p in message.content.walk()]


def is_jpeg(data: bytes) -> bool:
    return data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9"


def test_submit_mt_smil() -> None:
    m = load("submit-mt-smil.http")
    assert isinstance(m.pdu, SubmitReq)
    assert m.transaction_id == "vasp-20250310-000123"
    assert m.version.name == "REL-6-MM7-1-4"
    assert m.mm7_version == "6.8.0"
    pdu = m.pdu
    assert pdu.sender_identification.vasp_id == "a1b2c3d4e5f6"
    assert pdu.sender_identification.vas_id == "12345mms"
    assert pdu.sender_identification.sender_address == Address.short_code("12345")
    assert pdu.recipients.to == (Address.number("15553199144"),)
    assert pdu.subject == "Your table at Café Lumière"
    assert pdu.message_class == "Informational"
    assert pdu.expiry_date == "P2D"
    assert pdu.delivery_report is True
    assert pdu.priority == "Normal"
    assert pdu.content.href == "cid:mms-content"
    assert pdu.content.allow_adaptations is True
    root = m.content
    assert root is not None
    assert root.content_id == "mms-content"
    assert root.content_type.mime_type == "multipart/related"
    assert root.content_type.params["type"] == "application/smil"
    assert root.content_type.params["start"] == "<smil>"
    assert [(p.content_type.mime_type, p.content_id, p.size) for p in root.parts] == [
        ("application/smil", "smil", 384),
        ("text/plain", "booking.txt", 146),
        ("image/jpeg", "terrace.jpg", 200),
    ]
    smil, text, image = root.parts
    assert b'<img src="cid:terrace.jpg" region="Image"/>' in smil.data
    assert b'<text src="cid:booking.txt" region="Text"/>' in smil.data
    body = text.data.decode("utf-8")
    assert body.startswith("Bonjour! Your table for 2 at Café Lumière is booked for Friday 8 pm.")
    assert "(worth 6 €)" in body
    assert "opt out." in body
    assert is_jpeg(image.data)
    assert image.content_location == "terrace.jpg"


def test_deliver_mo_picture() -> None:
    m = load("deliver-mo-picture.http")
    assert isinstance(m.pdu, DeliverReq)
    assert m.transaction_id == "relay-7781-0042"
    assert m.version.name == "REL-5-MM7-1-2"
    assert m.mm7_version == "5.3.0"
    pdu = m.pdu
    assert pdu.mms_relay_server_id == "mmsc.example.net"
    assert pdu.sender == Address.number("+15553199144/TYPE=PLMN")
    assert pdu.recipients.to == (Address.short_code("12345"),)
    assert pdu.time_stamp == "2025-03-10T18:04:51Z"
    assert pdu.priority == "Normal"
    assert pdu.subject == "PHOTO"
    assert pdu.content.href == "cid:mo-content-0042"
    root = m.content
    assert root is not None
    assert root.content_id == "mo-content-0042"
    assert root.content_type.mime_type == "multipart/mixed"
    assert [(p.content_type.mime_type, p.content_id, p.size) for p in root.parts] == [
        ("text/plain", "text0", 35),
        ("image/jpeg", "image0", 189),
    ]
    assert root.parts[0].data == b"PHOTO entry for the weekend contest"
    assert root.parts[1].content_location == "IMG_0042.jpg"
    assert root.parts[1].transfer_encoding == "binary"
    assert is_jpeg(root.parts[1].data)


def test_delivery_report() -> None:
    m = load("delivery-report.http")
    assert isinstance(m.pdu, DeliveryReportReq)
    assert m.transaction_id == "dr-20250310-55120"
    assert m.version.name == "REL-6-MM7-1-4"
    assert m.content is None
    pdu = m.pdu
    assert pdu.mms_relay_server_id == "mms.example.net"
    assert pdu.message_id == "041509240213600000000123"
    assert pdu.recipient == Address.number("15553199144")
    assert pdu.sender == Address.short_code("12345")
    assert pdu.date == "2025-03-10T14:32:07-05:00"
    assert pdu.mm_status == "Retrieved"
    assert pdu.status_text == "Message retrieved by the recipient"


def test_fault_rserror() -> None:
    m = load("fault-rserror.http")
    assert isinstance(m.pdu, RSErrorRsp)
    assert m.is_fault
    assert m.transaction_id == "vasp-20250310-000124"
    assert int(m.pdu.status.code) == 2007
    assert m.pdu.status.text == "Message format corrupt"
    assert m.pdu.status.details == "ExpiryDate: 'tomorrow' is not a valid date or duration"
    assert m.pdu.fault_code == "Client"
    assert m.pdu.fault_string == "Client error"


# -- the command line ----------------------------------------------------------------------------


def cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """Run the CLI in this process (so coverage sees it), as a subprocess would."""
    from mm7codec.__main__ import main

    stdout, stderr = io.BytesIO(), io.BytesIO()
    out_text = io.TextIOWrapper(stdout, encoding="utf-8", write_through=True)
    err_text = io.TextIOWrapper(stderr, encoding="utf-8", write_through=True)
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out_text), contextlib.redirect_stderr(err_text):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse usage errors
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        os.chdir(previous)
        out_text.flush()
        err_text.flush()
    return subprocess.CompletedProcess(args, code, stdout.getvalue(), stderr.getvalue())


def cli_subprocess(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "mm7codec", *args],
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=60,
        check=False,
    )


def out(result: subprocess.CompletedProcess) -> str:
    return result.stdout.decode("utf-8")


def test_cli_decode_summary() -> None:
    # The README's main-job command, as a real process.
    result = cli_subprocess("decode", "--http", str(SUBMIT))
    assert result.returncode == 0, result.stderr
    text = out(result)
    assert text.startswith("SubmitReq  (schema REL-6-MM7-1-4, MM7Version 6.8.0)")
    assert "transaction_id: vasp-20250310-000123" in text
    assert "subject: Your table at Café Lumière" in text
    assert '"vasp_id": "a1b2c3d4e5f6"' in text
    assert "multipart/related  (3 parts)  cid:mms-content" in text
    assert "application/smil  384 bytes  cid:smil" in text
    assert "image/jpeg  200 bytes  cid:terrace.jpg" in text
    assert "defects: none" in text


def test_cli_decode_json() -> None:
    result = cli("decode", "--http", "--json", str(SUBMIT))
    assert result.returncode == 0, result.stderr
    data = json.loads(out(result))
    assert data["pdu"] == "SubmitReq"
    assert data["version"] == "REL-6-MM7-1-4"
    assert data["mm7_version"] == "6.8.0"
    assert data["transaction_id"] == "vasp-20250310-000123"
    assert data["fields"]["subject"] == "Your table at Café Lumière"
    assert data["fields"]["recipients"] == {"to": [{"number": "15553199144"}]}
    assert data["defects"] == []
    content = data["content"]
    assert content["content_id"] == "mms-content"
    assert [(p["content_id"], p["size"]) for p in content["parts"]] == [
        ("smil", 384),
        ("booking.txt", 146),
        ("terrace.jpg", 200),
    ]
    image = load("submit-mt-smil.http").content.parts[2]  # type: ignore[union-attr]
    import hashlib

    assert content["parts"][2]["sha256"] == hashlib.sha256(image.data).hexdigest()


def test_cli_decode_detects_http_and_reads_a_bare_body(tmp_path: Path) -> None:
    assert cli("decode", str(SUBMIT)).returncode == 0
    message = load("submit-mt-smil.http")
    encoded = encode(message)
    body = tmp_path / "body.mm7"
    body.write_bytes(encoded.body)
    result = cli("decode", "--content-type", encoded.content_type, str(body))
    assert result.returncode == 0, result.stderr
    assert "transaction_id: vasp-20250310-000123" in out(result)


def test_cli_decode_extract(tmp_path: Path) -> None:
    folder = tmp_path / "parts"
    result = cli("decode", "--http", str(SUBMIT), "--extract", str(folder))
    assert result.returncode == 0, result.stderr
    files = sorted(folder.iterdir())
    assert len(files) == 3
    content = load("submit-mt-smil.http").content
    assert content is not None
    by_size: Dict[int, bytes] = {p.size: p.data for p in content.parts}
    for path in files:
        assert str(path) in out(result)
        assert path.read_bytes() == by_size[path.stat().st_size]
    jpegs = [p for p in files if p.name.endswith(".jpg") and "terrace" in p.name]
    assert len(jpegs) == 1
    assert is_jpeg(jpegs[0].read_bytes())
    assert jpegs[0].read_bytes() == content.parts[2].data


def test_cli_respond() -> None:
    result = cli("respond", str(SUBMIT))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"HTTP/1.1 200 OK\r\n")
    reply = decode_http(result.stdout)
    assert reply.defects == ()
    assert isinstance(reply.pdu, SubmitRsp)
    assert reply.transaction_id == "vasp-20250310-000123"
    assert int(reply.pdu.status.code) == 1000
    assert reply.pdu.message_id


def test_cli_respond_to_garbage_is_a_fault(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"\x00\x01 this is not MM7 at all")
    result = cli("respond", str(garbage))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"HTTP/1.1 500 ")
    reply = decode_http(result.stdout)
    # As make_wsgi_app (side="vasp" by default) answers: VASPErrorRsp, TransactionID "unknown".
    assert isinstance(reply.pdu, VASPErrorRsp)
    assert reply.transaction_id == "unknown"
    assert reply.is_fault
    assert int(reply.pdu.status.code) == 4004


def test_cli_encode(tmp_path: Path) -> None:
    jpeg = load("deliver-mo-picture.http").content.parts[1].data  # type: ignore[union-attr]
    spec = {
        "pdu": "SubmitReq",
        "version": "REL-6-MM7-1-4",
        "transaction_id": "cli-tx-1",
        "fields": {
            "sender_identification": {
                "vasp_id": "vasp",
                "vas_id": "svc",
                "sender_address": {"short_code": "12345"},
            },
            "recipients": ["15551234567"],
            "subject": "From a spec ✓",
            "delivery_report": True,
        },
        "content": [
            {"text": "Hello ✓", "content_id": "t1"},
            {"base64": base64.b64encode(jpeg).decode(), "content_type": "image/jpeg"},
        ],
    }
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    body_path = tmp_path / "out.mm7"
    result = cli("encode", str(spec_path), "-o", str(body_path))
    assert result.returncode == 0, result.stderr
    headers: Dict[str, str] = {}
    for line in out(result).splitlines():
        name, _, value = line.partition(": ")
        headers[name] = value
    assert headers["SOAPAction"] == '""'
    assert headers["Content-Type"].startswith("multipart/related;")
    body = body_path.read_bytes()
    assert int(headers["Content-Length"]) == len(body)
    message = decode(body, headers["Content-Type"])
    assert message.defects == ()
    assert isinstance(message.pdu, SubmitReq)
    assert message.transaction_id == "cli-tx-1"
    assert message.pdu.subject == "From a spec ✓"
    assert message.pdu.delivery_report is True
    assert message.pdu.recipients.to == (Address.number("15551234567"),)
    assert message.pdu.sender_identification.sender_address == Address.short_code("12345")
    content = message.content
    assert content is not None
    assert content.content_type.mime_type == "multipart/mixed"
    kids: List = list(content.parts)
    assert [p.content_type.mime_type for p in kids] == ["text/plain", "image/jpeg"]
    assert kids[0].content_id == "t1"
    assert kids[0].data == "Hello ✓".encode()
    assert kids[1].data == jpeg


def test_cli_encode_http(tmp_path: Path) -> None:
    spec = {
        "pdu": "CancelReq",
        "transaction_id": "cancel-1",
        "fields": {"message_id": "m-42", "sender_identification": {"vasp_id": "v"}},
    }
    spec_path = tmp_path / "cancel.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    target = tmp_path / "cancel.http"
    result = cli("encode", "--http", str(spec_path), "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert "Content-Type: text/xml" in out(result)
    message = decode_http(target.read_bytes())
    assert message.defects == ()
    assert message.pdu.WIRE_NAME == "CancelReq"
    assert message.transaction_id == "cancel-1"
    assert message.pdu.message_id == "m-42"  # type: ignore[attr-defined]


def test_cli_demo() -> None:
    result = cli("demo")
    assert result.returncode == 0, result.stderr
    text = out(result)
    assert "SubmitReq" in text
    assert "SubmitRsp" in text
    assert "defects: none" in text


@pytest.mark.parametrize(
    "args",
    [
        ("decode", "/nonexistent/file.http"),
        ("decode", "GARBAGE"),
        ("respond", "/nonexistent/file.http"),
        ("encode", "/nonexistent/spec.json"),
        ("encode", "GARBAGE"),
    ],
    ids=["decode-missing", "decode-garbage", "respond-missing", "encode-missing", "encode-garbage"],
)
def test_cli_errors(args: tuple, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.txt"
    garbage.write_bytes(b"this is { not anything\n")
    argv = [str(garbage) if a == "GARBAGE" else a for a in args]
    result = cli(*argv, cwd=tmp_path)
    assert result.returncode != 0
    assert result.stdout == b""
    lines = result.stderr.decode("utf-8").splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("mm7codec: error: ")
