"""XML layer benchmark: SOAP envelope decode and a small request end to end; stdlib only.

    python3 benchmarks/bench_xml.py            # 7 rounds
    python3 benchmarks/bench_xml.py --quick    # 3 rounds

Prints microseconds per call (median of rounds, the order of the contenders
rotated every round) for:

- ``ET.fromstring`` of the SOAP envelope alone (the floor of any tree decoder),
- ``decode_envelope`` of the same bytes,
- ``encode_envelope`` of the decoded message,
- ``mm7codec.decode`` end to end of a ~4 KB multipart/related SubmitReq and
  DeliverReq (SOAP part + a small text/plain content),
- stdlib ``email`` (BytesParser compat32, every leaf payload decoded) on the
  same bytes, the baseline of the ≥ 3.5× target (issue 14),
- ``mm7codec.decode`` of the bare ~1 KB DeliveryReportReq and SubmitRsp
  envelopes of ``run.py --group envelope`` against ``ET.fromstring`` of the
  same bytes (target ≤ 2× its time),
- ``floor.bare_decode`` of the SubmitReq body: what a decoder that checks
  nothing and builds no model costs (see ``floor.py``).
"""

from __future__ import annotations

import os
import sys
import xml.etree.ElementTree as ET
from typing import Callable, Dict, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import mm7codec  # noqa: E402
from mm7codec._xml import decode_envelope, encode_envelope  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from floor import bare_decode  # noqa: E402
from run import bare_envelopes, compare, stdlib_decode  # noqa: E402  (one timing method for every benchmark)

NS = "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-6-MM7-1-4"
SUBMIT = f"""<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/">
  <env:Header>
    <mm7:TransactionID xmlns:mm7="{NS}" env:mustUnderstand="1">vas00001-sub</mm7:TransactionID>
  </env:Header>
  <env:Body>
    <SubmitReq xmlns="{NS}">
      <MM7Version>6.8.0</MM7Version>
      <SenderIdentification>
        <VASPID>API_KEY_0123456789</VASPID>
        <VASID>12345mms</VASID>
        <SenderAddress><ShortCode>12345</ShortCode></SenderAddress>
      </SenderIdentification>
      <Recipients>
        <To>
          <Number>15553199144</Number>
          <Number displayOnly="false">15553199145</Number>
          <RFC2822Address>jane.doe@example.com</RFC2822Address>
        </To>
        <Cc><Number>15553199146</Number></Cc>
        <Bcc><Number>15553199147</Number></Bcc>
      </Recipients>
      <ServiceCode>gold-sp33-im42</ServiceCode>
      <LinkedID>mms00016666</LinkedID>
      <MessageClass>Informational</MessageClass>
      <TimeStamp>2002-01-02T09:30:47-05:00</TimeStamp>
      <ReplyCharging replyChargingSize="32000" replyDeadline="P2D"/>
      <EarliestDeliveryTime>2002-01-02T09:30:47-05:00</EarliestDeliveryTime>
      <ExpiryDate>P90D</ExpiryDate>
      <DeliveryReport>true</DeliveryReport>
      <ReadReply>false</ReadReply>
      <Priority>Normal</Priority>
      <Subject>News for today: the weather, the markets &amp; the match</Subject>
      <ChargedParty>Recipient</ChargedParty>
      <DistributionIndicator>true</DistributionIndicator>
      <Content href="cid:text-01@news.example.com" allowAdaptations="true"/>
    </SubmitReq>
  </env:Body>
</env:Envelope>
""".encode()
DELIVER = f"""<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/">
  <env:Header>
    <mm7:TransactionID xmlns:mm7="{NS}" env:mustUnderstand="1">relay-0042-dlv</mm7:TransactionID>
  </env:Header>
  <env:Body>
    <DeliverReq xmlns="{NS}">
      <MM7Version>6.8.0</MM7Version>
      <MMSRelayServerID>relay.example.net</MMSRelayServerID>
      <VASPID>API_KEY_0123456789</VASPID>
      <VASID>12345mms</VASID>
      <LinkedID>mms00016666</LinkedID>
      <Sender><Number>15553199144</Number></Sender>
      <Recipients>
        <To><ShortCode>12345</ShortCode></To>
        <Cc><RFC2822Address>jane.doe@example.com</RFC2822Address></Cc>
      </Recipients>
      <TimeStamp>2002-01-02T09:30:47-05:00</TimeStamp>
      <ReplyChargingID>rc-000123</ReplyChargingID>
      <Priority>Normal</Priority>
      <Subject>Re: News for today</Subject>
      <Content href="cid:text-01@news.example.com" allowAdaptations="true"/>
    </DeliverReq>
  </env:Body>
</env:Envelope>
""".encode()
TEXT = (
    b"Good morning. Here is the news for today, in plain text, as a small MMS would carry it. " * 22
).strip()[:1900]
BOUNDARY = "----=_Part_0_1234567890.1700000000000"


def build(soap: bytes) -> Tuple[bytes, str]:
    body = (
        f"--{BOUNDARY}\r\n"
        'Content-Type: text/xml; charset="utf-8"\r\n'
        "Content-ID: <soap-start>\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode()
    body += soap.replace(b"\n", b"\r\n")
    body += (
        f"\r\n--{BOUNDARY}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-ID: <text-01@news.example.com>\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode()
    body += TEXT + f"\r\n--{BOUNDARY}--\r\n".encode()
    ctype = f'multipart/related; boundary="{BOUNDARY}"; type="text/xml"; start="<soap-start>"'
    return body, ctype


def main() -> int:
    quick = "--quick" in sys.argv
    rounds, min_time = (3, 0.1) if quick else (7, 0.25)
    submit_body, ctype = build(SUBMIT)
    deliver_body, _ = build(DELIVER)
    submit_env = SUBMIT.replace(b"\n", b"\r\n")
    message = decode_envelope(submit_env)
    assert not message.defects, message.defects
    for body in (submit_body, deliver_body):
        decoded = mm7codec.decode(body, ctype)
        floor_pdu, _ = bare_decode(body, ctype)
        assert floor_pdu["Subject"][0] == decoded.pdu.subject  # type: ignore[attr-defined]
        assert not decoded.defects, decoded.defects
        assert decoded.content is not None
        assert len(stdlib_decode(body, ctype)) == 2

    contenders: Dict[str, Callable[[], object]] = {
        "ET.fromstring": lambda: ET.fromstring(submit_env),
        "decode_envelope": lambda: decode_envelope(submit_env),
        "encode_envelope": lambda: encode_envelope(message),
        "decode SubmitReq": lambda: mm7codec.decode(submit_body, ctype),
        "email SubmitReq": lambda: stdlib_decode(submit_body, ctype),
        "decode DeliverReq": lambda: mm7codec.decode(deliver_body, ctype),
        "email DeliverReq": lambda: stdlib_decode(deliver_body, ctype),
        "floor SubmitReq": lambda: bare_decode(submit_body, ctype),
    }
    for pdu, env in bare_envelopes().items():
        contenders[f"bare {pdu}"] = lambda env=env: mm7codec.decode(env, "text/xml")
        contenders[f"ET {pdu}"] = lambda env=env: ET.fromstring(env)
    us = {k: v * 1e6 for k, v in compare(contenders, rounds, min_time).items()}
    print(f"CPython {sys.version.split()[0]}, median of {rounds} rounds")
    print(
        f"envelope {len(submit_env)} B; SubmitReq body {len(submit_body)} B; "
        f"DeliverReq body {len(deliver_body)} B"
    )
    base = us["ET.fromstring"]
    print(f"{'ET.fromstring (SubmitReq envelope)':42} {base:8.1f} µs")
    print(
        f"{'decode_envelope (same bytes)':42} {us['decode_envelope']:8.1f} µs"
        f"  {us['decode_envelope'] / base:.2f}× ET.fromstring"
    )
    print(f"{'encode_envelope (decoded message)':42} {us['encode_envelope']:8.1f} µs")
    ok = True
    for pdu in ("SubmitReq", "DeliverReq"):
        ours, theirs = us[f"decode {pdu}"], us[f"email {pdu}"]
        ratio = theirs / ours
        ok = ok and ratio >= 3.5
        print(f"{'mm7codec.decode ' + pdu + ' (end to end)':42} {ours:8.1f} µs  {ratio:.2f}× email")
        print(f"{'stdlib email ' + pdu:42} {theirs:8.1f} µs")
    # Any decoder built on the stdlib parser pays at least the bare parse of the envelope.
    print(
        f"ceiling: ET.fromstring of the envelope alone is {us['email SubmitReq'] / base:.2f}× email "
        "on the SubmitReq body"
    )
    print(
        f"floor: benchmarks/floor.py (no checks, no model) on the SubmitReq body is "
        f"{us['email SubmitReq'] / us['floor SubmitReq']:.2f}× email"
    )
    print(f"target ≥ 3.5× email on the small request: {'PASS' if ok else 'FAIL'}")
    for pdu in bare_envelopes():
        ratio = us[f"bare {pdu}"] / us[f"ET {pdu}"]
        print(
            f"{'mm7codec.decode bare ' + pdu:42} {us[f'bare {pdu}']:8.1f} µs  "
            f"{ratio:.2f}× the time of ET.fromstring ({us[f'ET {pdu}']:.1f} µs): "
            f"{'PASS' if ratio <= 2 else 'FAIL'} (target ≤ 2×)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
