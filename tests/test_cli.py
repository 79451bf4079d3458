"""The command line, in-process: versions, decode variants, encode specs, respond, errors."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

import mm7codec as mm7
from mm7codec.__main__ import main, summary

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"


def run(capsysbinary: pytest.CaptureFixture[bytes], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsysbinary.readouterr()
    return code, captured.out.decode("utf-8"), captured.err.decode("utf-8")


def test_versions_table_lists_every_schema(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    code, out, _ = run(capsysbinary, "versions")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["schema", "wire", "MM7Version"]
    for version in mm7.VERSIONS:
        row = next(line for line in lines if line.startswith(version.name + " "))
        assert row.split()[1] == version.default_mm7_version
    assert "extendedCancelReq" in next(line for line in lines if line.startswith("REL-6-MM7-1-4"))
    assert "extendedCancelReq" not in next(
        line for line in lines if line.startswith("REL-6-MM7-1-3")
    )
    assert lines[-1].startswith("namespace: http://www.3gpp.org/")


def test_decode_bare_body_with_content_type(
    capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    message = mm7.Message(
        mm7.DeliveryReportReq(
            message_id="m-1",
            recipient=mm7.Address.number("15553199144"),
            sender=mm7.Address.short_code("12345"),
            date="2025-03-10T14:32:07-05:00",
            mm_status="Retrieved",
        ),
        "tx-dr",
    )
    encoded = mm7.encode(message)
    path = tmp_path / "dr.xml"
    path.write_bytes(encoded.body)
    code, out, _ = run(capsysbinary, "decode", "--content-type", encoded.content_type, str(path))
    assert code == 0
    assert out.startswith("DeliveryReportReq  (schema REL-6-MM7-1-4, MM7Version 6.8.0)")
    assert "  mm_status: Retrieved" in out
    assert '  sender: {"short_code": "12345"}' in out
    assert out.rstrip().endswith("defects: none")


def test_decode_lists_defects(capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path) -> None:
    envelope = (
        b'<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Header>'
        b"<TransactionID>t</TransactionID></e:Header><e:Body><DeliveryReportRsp>"
        b"<MM7Version>6.8.0</MM7Version><Status><StatusCode>1000</StatusCode>"
        b"<StatusText>ok</StatusText></Status></DeliveryReportRsp></e:Body></e:Envelope>"
    )
    path = tmp_path / "rsp.xml"
    path.write_bytes(envelope)
    code, out, _ = run(capsysbinary, "decode", str(path))
    assert code == 0
    assert "DeliveryReportRsp" in out
    defects = out.split("defects (", 1)[1]
    assert "missing-namespace" in defects or "namespace" in defects


def test_decode_strict_fails_with_one_line(
    capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    path = tmp_path / "rsp.xml"
    path.write_bytes(
        b'<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body>'
        b"<DeliverRsp><MM7Version>6.8.0</MM7Version><Status><StatusCode>1000</StatusCode>"
        b"<StatusText>ok</StatusText></Status></DeliverRsp></e:Body></e:Envelope>"
    )
    code, out, err = run(capsysbinary, "decode", "--strict", str(path))
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("mm7codec: error: strict mode:")


def test_decode_json_of_fault(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    code, out, _ = run(capsysbinary, "decode", "--json", str(EXAMPLES / "fault-rserror.http"))
    assert code == 0
    data = json.loads(out)
    assert data["pdu"] == "RSErrorRsp"
    assert data["fields"]["status"]["code"] == 2007
    assert data["fields"]["fault_code"] == "Client"
    assert "content" not in data and data["defects"] == []


def test_extract_without_content_writes_nothing(
    capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    target = tmp_path / "parts"
    code, out, _ = run(
        capsysbinary, "decode", "--extract", str(target), str(EXAMPLES / "delivery-report.http")
    )
    assert code == 0 and "wrote" not in out
    assert target.is_dir() and list(target.iterdir()) == []


def test_encode_spec_with_every_kind_of_field(
    capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    picture = tmp_path / "pic.gif"
    picture.write_bytes(b"GIF89a" + bytes(range(40)))
    spec = {
        "pdu": "SubmitReq",
        "version": "REL-6-MM7-1-4",
        "transaction_id": "tx-spec",
        "fields": {
            "sender_identification": {
                "vasp_id": "KEY",
                "vas_id": "12345mms",
                "sender_address": {"short_code": "12345"},
            },
            "recipients": {
                "to": ["15553199144", {"email": "a@example.com", "display_only": True}],
                "bcc": {"number": "15550000000"},
            },
            "reply_charging": {"size": 1000, "deadline": "P2D"},
            "delivery_condition": [1, 2],
            "subject": "Spec",
            "extensions": [{"name": "{urn:x}Extra", "xml": '<Extra xmlns="urn:x">1</Extra>'}],
        },
        "content": [
            {"text": "Hello"},
            {"file": str(picture), "content_type": "image/gif"},
            {"base64": base64.b64encode(b"\x00\x01").decode(), "content_type": "audio/amr"},
        ],
        "smil": True,
    }
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    output = tmp_path / "out.mm7"
    code, out, _ = run(capsysbinary, "encode", str(spec_path), "-o", str(output))
    assert code == 0
    headers = dict(line.split(": ", 1) for line in out.splitlines())
    message = mm7.decode(output.read_bytes(), headers["Content-Type"])
    pdu = message.pdu
    assert isinstance(pdu, mm7.SubmitReq)
    assert message.transaction_id == "tx-spec"
    assert pdu.recipients is not None
    assert [a.kind for a in pdu.recipients.to] == ["number", "email"]
    assert pdu.recipients.to[1].display_only is True
    assert pdu.recipients.bcc[0].value == "15550000000"
    assert pdu.reply_charging == mm7.ReplyCharging(1000, "P2D")
    assert pdu.delivery_condition == (1, 2)
    assert pdu.extensions[0].name == "{urn:x}Extra"
    assert message.content is not None
    types = [p.content_type.mime_type for p in message.content.parts]
    assert types == ["application/smil", "text/plain", "image/gif", "audio/amr"]
    assert message.content.parts[2].data == picture.read_bytes()
    assert int(headers["Content-Length"]) == output.stat().st_size


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"pdu": "NoSuchReq"}, "unknown PDU"),
        ([1, 2], "must be a JSON object"),
        ({"pdu": "SubmitReq", "fields": {"no_such_field": 1}}, "SubmitReq"),
        ({"pdu": "SubmitReq", "fields": {"sender": {"number": "1", "email": "x"}}}, "exactly one"),
        ({"pdu": "SubmitReq", "fields": {"recipients": [7]}}, "address"),
        ({"pdu": "SubmitReq", "content": [{"base64": "***"}]}, "base64"),
        ({"pdu": "SubmitReq", "content": [{"nothing": 1}]}, "text, file or base64"),
    ],
)
def test_encode_bad_specs_fail_with_one_line(
    capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path, spec: object, message: str
) -> None:
    spec_path = tmp_path / "bad.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    code, _, err = run(capsysbinary, "encode", str(spec_path), "-o", str(tmp_path / "o"))
    assert code == 1
    assert err.count("\n") == 1 and message in err


def test_encode_rejects_a_file_that_is_not_json(
    capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    spec_path = tmp_path / "bad.json"
    spec_path.write_bytes(b"\xff{not json")
    code, _, err = run(capsysbinary, "encode", str(spec_path))
    assert code == 1 and "not a JSON spec" in err


def test_respond_to_a_delivery_report(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    code, out, _ = run(capsysbinary, "respond", str(EXAMPLES / "delivery-report.http"))
    assert code == 0
    reply = mm7.decode_http(out.encode("utf-8"))
    assert isinstance(reply.pdu, mm7.DeliveryReportRsp)
    assert reply.transaction_id == "dr-20250310-55120"
    assert out.startswith("HTTP/1.1 200 OK\r\n")


def test_missing_file_is_one_line(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    code, _, err = run(capsysbinary, "decode", "/no/such/file.http")
    assert code == 1
    assert err.startswith("mm7codec: error:") and err.count("\n") == 1


def test_summary_truncates_long_text() -> None:
    content = mm7.Part.multipart("mixed", [mm7.Part.text("word " * 100), mm7.Part.text("x")])
    message = mm7.Message(mm7.SubmitReq(subject="s"), "t", content=content)
    text = summary(message)
    assert "text/plain  500 bytes" in text
    assert ("...'" not in text and "'..." in text) or "..." in text
