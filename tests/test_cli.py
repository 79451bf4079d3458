"""The command line, in-process: versions, decode variants, encode specs, respond, errors."""

from __future__ import annotations

import base64
import json
import re
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
    code, _, err = run(capsysbinary, "encode", str(spec_path), "-o", str(output))
    assert code == 1 and "extension {urn:x}Extra" in err  # not in the schema: strict refuses
    code, out, _ = run(capsysbinary, "encode", "--no-validate", str(spec_path), "-o", str(output))
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


# --- decode --json is a spec encode takes back --------------------------------------------------


def _tree(part: mm7.Part | None) -> object:
    """What must survive the round trip: types (boundary aside), IDs, bytes."""
    if part is None:
        return None
    ct = part.content_type
    params = sorted((k.lower(), v) for k, v in ct.params.items() if k.lower() != "boundary")
    if part.is_multipart:
        return (ct.mime_type, params, part.content_id, [_tree(p) for p in part.parts])
    return (ct.mime_type, params, part.content_id, part.content_location, part.data)


# Details as plain text is what gateways send, but the schema has it element-only:
# strict encode refuses it, --no-validate passes it through (docs/cli.md).
NOT_SCHEMA_VALID = {"fault-rserror.http": "Details"}


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.http")))
def test_decode_json_round_trips_through_encode(
    capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path, example: str
) -> None:
    source = EXAMPLES / example
    original = mm7.decode_http(source.read_bytes())
    code, out, _ = run(capsysbinary, "decode", "--json", str(source))
    assert code == 0
    spec = tmp_path / "spec.json"
    spec.write_text(out, encoding="utf-8")
    body = tmp_path / "body.mm7"
    options = ["encode", str(spec), "-o", str(body)]
    if example in NOT_SCHEMA_VALID:
        code, _, err = run(capsysbinary, *options)
        assert code == 1 and NOT_SCHEMA_VALID[example] in err
        options.append("--no-validate")
    code, out, _ = run(capsysbinary, *options)
    assert code == 0
    headers = dict(line.split(": ", 1) for line in out.splitlines())
    again = mm7.decode(body.read_bytes(), headers["Content-Type"])
    assert again.pdu == original.pdu
    assert (again.transaction_id, again.version, again.mm7_version) == (
        original.transaction_id,
        original.version,
        original.mm7_version,
    )
    assert _tree(again.content) == _tree(original.content)
    assert again.defects == ()


# --- pipes, HTTP output, profiles, respond as the WSGI app ----------------------------------------


def test_closed_pipe_ends_quietly_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import os

    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written
    stdout = io.TextIOWrapper(io.FileIO(write_end, "w"), encoding="utf-8")
    monkeypatch.setattr("sys.stdout", stdout)
    assert main(["demo"]) == 141
    stdout.close()


def test_closed_pipe_ends_quietly_as_a_command() -> None:
    import os
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head -3` having exited: every write meets EPIPE
    try:
        done = subprocess.run(
            [sys.executable, "-m", "mm7codec", "demo"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            cwd=REPO,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.stderr == b""
    assert done.returncode == 141


def _spec(tmp_path: Path, spec: dict[str, object]) -> str:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return str(path)


SENDER = {"vasp_id": "KEY"}
SUBMIT = {
    "pdu": "SubmitReq",
    "transaction_id": "tx-h",
    "fields": {"sender_identification": SENDER, "recipients": ["+1 555 319 9144"]},
}


def test_encode_http_request_has_host_and_soap_action(
    capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    output = tmp_path / "req.http"
    spec = _spec(tmp_path, SUBMIT)
    args = ["encode", spec, "--http", "--host", "127.0.0.1:8080", "-o", str(output)]
    code, out, _ = run(capsysbinary, *args)
    assert code == 0
    head, _, body = output.read_bytes().partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0] == "POST /mm7 HTTP/1.1"
    assert "Host: 127.0.0.1:8080" in lines
    assert 'SOAPAction: ""' in lines
    assert f"Content-Length: {len(body)}" in lines
    assert "Host: 127.0.0.1:8080" in out.splitlines()
    assert mm7.decode_http(output.read_bytes()).transaction_id == "tx-h"


def test_encode_with_a_profile(capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path) -> None:
    spec = _spec(tmp_path, SUBMIT)
    out_path = str(tmp_path / "o")
    code, _, err = run(capsysbinary, "encode", spec, "--profile", "sinch", "-o", out_path)
    assert code == 1 and "normalize_number" in err and err.count("\n") == 1
    fields = {"sender_identification": SENDER, "recipients": ["15553199144"]}
    fixed = _spec(tmp_path, {**SUBMIT, "fields": fields})
    code, out, _ = run(capsysbinary, "encode", fixed, "--profile", "sinch", "-o", out_path)
    assert code == 0
    ns = "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-6-MM7-1-4"
    assert f'SOAPAction: "{ns}"' in out.splitlines()
    code, out, _ = run(capsysbinary, "encode", fixed, "--profile", "nowsms", "-o", out_path)
    assert code == 0
    assert mm7.decode(Path(out_path).read_bytes(), "text/xml").mm7_version == "5.3.0"
    code, _, err = run(capsysbinary, "encode", fixed, "--profile", "kannel", "-o", out_path)
    assert code == 1 and "unknown profile 'kannel'" in err


def test_encode_of_a_response_has_no_soap_action(
    capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    output = tmp_path / "rsp.http"
    for wire, status_line in (("SubmitRsp", "HTTP/1.1 200 OK"), ("RSErrorRsp", "HTTP/1.1 500")):
        fields: dict[str, object] = {"status": 1000 if wire == "SubmitRsp" else 2007}
        if wire == "SubmitRsp":
            fields["message_id"] = "m-1"
        else:
            fields["fault_code"] = "Client"
        spec = _spec(tmp_path, {"pdu": wire, "transaction_id": "tx-r", "fields": fields})
        code, out, _ = run(capsysbinary, "encode", spec, "--http", "-o", str(output))
        assert code == 0
        head = output.read_bytes().split(b"\r\n\r\n", 1)[0].decode("latin-1")
        assert head.startswith(status_line)
        assert "soapaction" not in head.lower() and "SOAPAction" not in out
        assert "Host:" not in head
        assert type(mm7.decode_http(output.read_bytes()).pdu).__name__ == wire


def _wsgi_answer(body: bytes, content_type: str, side: str) -> tuple[str, bytes]:
    import io

    from mm7codec.http import make_wsgi_app

    app = make_wsgi_app(lambda message: None, side=side)
    seen: list[str] = []
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
    }
    chunks = app(environ, lambda status, headers: seen.append(status))  # type: ignore[arg-type,return-value]
    return seen[0], b"".join(chunks)


@pytest.mark.parametrize("side", ["vasp", "relay"])
def test_respond_to_garbage_answers_like_the_wsgi_app(
    capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path, side: str
) -> None:
    path = tmp_path / "garbage.xml"
    path.write_bytes(b"<not-soap/>")
    args = ["respond", "--content-type", "text/xml", "--side", side, str(path)]
    code, out, _ = run(capsysbinary, *args)
    assert code == 0
    reply = mm7.decode_http(out.encode("utf-8"))
    assert reply.transaction_id == "unknown"
    expected = mm7.VASPErrorRsp if side == "vasp" else mm7.RSErrorRsp
    assert isinstance(reply.pdu, expected)
    status, body = _wsgi_answer(b"<not-soap/>", "text/xml", side)
    assert out.startswith(f"HTTP/1.1 {status}\r\n")
    assert out.encode("utf-8").endswith(body)
    assert "soapaction" not in out.lower()


def test_respond_to_a_submit_gives_a_message_id(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    args = ["respond", "--side", "relay", "--profile", "sinch"]
    code, out, _ = run(capsysbinary, *args, str(EXAMPLES / "submit-mt-smil.http"))
    assert code == 0 and out.startswith("HTTP/1.1 200 OK\r\n")
    reply = mm7.decode_http(out.encode("utf-8"))
    assert isinstance(reply.pdu, mm7.SubmitRsp) and reply.pdu.message_id
    assert "soapaction" not in out.lower()


def test_respond_to_a_cut_body_is_not_1000(
    capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    whole = (EXAMPLES / "deliver-mo-picture.http").read_bytes()
    head, _, rest = whole.partition(b"\r\n\r\n")
    content_type = next(
        line.split(b":", 1)[1].strip().decode()
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-type:")
    )
    cut_request = tmp_path / "cut.http"
    cut_request.write_bytes(whole[:-40])  # shorter than its Content-Length
    cut_body = tmp_path / "cut.body"
    cut_body.write_bytes(rest[:-40])  # a multipart without its close delimiter
    for args in ([str(cut_request)], ["--content-type", content_type, str(cut_body)]):
        code, out, _ = run(capsysbinary, "respond", *args)
        assert code == 0
        # What make_wsgi_app answers: never 1000, a 3000 Fault the gateway resends on.
        assert out.startswith("HTTP/1.1 500 ")
        reply = mm7.decode_http(out.encode("utf-8"))
        assert reply.status is not None and int(reply.status.code) == 3000
        assert reply.transaction_id == "relay-7781-0042"  # sniffed from what came


def test_respond_to_a_broken_http_head_is_400(
    capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    path = tmp_path / "broken.http"
    path.write_bytes(b"POST /mm7 HTTP/1.1\r\nContent-Length: x\r\n\r\n<a/>")
    code, out, _ = run(capsysbinary, "respond", "--http", str(path))
    assert code == 0 and out.startswith("HTTP/1.1 400 ")
    assert mm7.decode_http(out.encode("utf-8")).transaction_id == "unknown"


def test_help_points_to_the_spec_document(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "docs/cli.md" in capsysbinary.readouterr().out.decode()
    with pytest.raises(SystemExit):
        main(["encode", "--help"])
    assert "docs/cli.md" in capsysbinary.readouterr().out.decode()


def test_the_spec_example_encodes_and_comes_back(
    capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    first = tmp_path / "first.mm7"
    code, out, _ = run(
        capsysbinary, "encode", str(EXAMPLES / "submit-spec.json"), "--http", "-o", str(first)
    )
    assert code == 0
    message = mm7.decode_http(first.read_bytes())
    assert message.transaction_id == "spec-tx-1" and message.defects == ()
    assert message.content is not None
    leaves = [p.content_type.mime_type for p in message.content.walk() if not p.is_multipart]
    assert leaves == ["application/smil", "text/plain", "image/gif"]
    code, out, _ = run(capsysbinary, "decode", "--json", str(first))
    spec = tmp_path / "again.json"
    spec.write_text(out, encoding="utf-8")
    second = tmp_path / "second.mm7"
    code, _, _ = run(capsysbinary, "encode", str(spec), "--http", "-o", str(second))
    assert code == 0
    again = mm7.decode_http(second.read_bytes())
    assert again.pdu == message.pdu
    assert _tree(again.content) == _tree(message.content)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"pdu": "SubmitReq", "content": ["text"]}, "a content item is an object"),
        ({"pdu": "SubmitReq", "content": {"content_type": "nonsense", "parts": []}}, "invalid"),
        ({"pdu": "SubmitReq", "content": {"parts": {"text": "x"}}}, "'parts' is a list"),
        ({"pdu": "SubmitReq", "contents": []}, "unknown spec keys ['contents']"),
    ],
)
def test_bad_content_specs(
    capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path, spec: object, message: str
) -> None:
    code, _, err = run(capsysbinary, "encode", _spec(tmp_path, spec), "-o", str(tmp_path / "o"))  # type: ignore[arg-type]
    assert code == 1 and message in err


def test_content_spec_forms(tmp_path: Path) -> None:
    from mm7codec._jsonform import message_from_spec

    base = {"pdu": "SubmitReq", "fields": {"subject": "s"}}
    single = message_from_spec({**base, "content": [{"text": "one"}]}).content
    assert single is not None and single.content_type.mime_type == "text/plain"
    tree = message_from_spec(
        {**base, "content": {"parts": [{"text": "a"}, {"text": "b", "content_id": "b"}]}}
    ).content
    assert tree is not None and tree.content_type.mime_type == "multipart/mixed"
    assert [p.content_id for p in tree.parts] == [None, "b"]


def test_decode_from_stdin_and_respond_to_a_response(
    capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    data = (EXAMPLES / "delivery-report.http").read_bytes()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = run(capsysbinary, "decode", "-")
    assert code == 0 and out.startswith("DeliveryReportReq")
    # A response PDU sent as a request: 4003, as make_wsgi_app answers it.
    code, out, _ = run(capsysbinary, "respond", str(EXAMPLES / "fault-rserror.http"))
    assert code == 0 and out.startswith("HTTP/1.1 500 ")
    assert int(mm7.decode_http(out.encode("utf-8")).status.code) == 4003  # type: ignore[union-attr]


def test_closed_pipe_without_a_file_descriptor(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    class Gone(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr("sys.stdout", Gone())
    assert main(["versions"]) == 141


def test_encode_with_the_lenient_peer_profile_writes_a_binary_soap_part(
    capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    output = tmp_path / "o.mm7"
    args = ["encode", str(EXAMPLES / "submit-spec.json"), "--profile", "lenient-peer"]
    code, out, _ = run(capsysbinary, *args, "-o", str(output))
    assert code == 0
    soap_head = output.read_bytes().split(b"<?xml", 1)[0]
    assert b"Content-Transfer-Encoding: binary" in soap_head
    headers = dict(line.split(": ", 1) for line in out.splitlines())
    message = mm7.decode(output.read_bytes(), headers["Content-Type"])
    assert (message.version.name, message.mm7_version) == ("REL-6-MM7-1-3", "6.6.0")


def test_respond_checks_the_captured_head_as_the_wsgi_app(
    capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    # The same head checks as make_wsgi_app: a GET is 405, a length past the
    # bytes captured is a body not received whole (3000, naming what came).
    whole = (EXAMPLES / "delivery-report.http").read_bytes()
    path = tmp_path / "get.http"
    path.write_bytes(b"GET" + whole[4:])
    code, out, _ = run(capsysbinary, "respond", str(path))
    assert code == 0 and out.startswith("HTTP/1.1 405 ") and "Allow: POST\r\n" in out
    head, _, body = whole.partition(b"\r\n\r\n")
    longer = re.sub(rb"Content-Length: \d+", b"Content-Length: %d" % (len(body) + 9), head)
    path.write_bytes(longer + b"\r\n\r\n" + body)
    code, out, _ = run(capsysbinary, "respond", str(path))
    assert code == 0 and out.startswith("HTTP/1.1 500 ")
    reply = mm7.decode_http(out.encode("utf-8"))
    assert reply.status is not None and int(reply.status.code) == 3000
    assert f"after {len(body)} of {len(body) + 9} bytes" in (reply.status.text or "")
