"""Write the example HTTP messages in this folder (stdlib only, deterministic).

The messages are written out by hand here, not produced by mm7codec, so they
are independent test vectors for its decoder. Everything is fixed: the same
bytes come out on every run and every Python version.

    python3 examples/make_examples.py           # (re)write the files
    python3 examples/make_examples.py --check   # exit 1 if a file differs

Layouts follow mm7-spec.md §4: SOAP with Attachments (multipart/related,
``start`` = the envelope's Content-ID, ``type="text/xml"``), a bare envelope
as ``text/xml`` for PDUs without content, and a SOAP Fault on HTTP 500.
"""

from __future__ import annotations

import base64
import quopri
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CRLF = b"\r\n"
NS_PREFIX = "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


# --- a tiny baseline JPEG encoder ------------------------------------------
#
# Each 8x8 block is one flat colour, so after the DCT only the DC coefficient
# is non-zero: a block is coded as its DC difference followed by EOB. That
# keeps the encoder to a few lines while the file stays a real JFIF image
# (SOI, APP0, DQT, SOF0, DHT, SOS, EOI) that any decoder shows.

# ITU T.81 Annex K.3 table K.3: luminance DC code lengths, categories 0..11.
_DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
_DC_VALUES = list(range(12))
# An AC table holding only EOB (0x00, code "0"): flat blocks need nothing else.
_AC_BITS = [1] + [0] * 15
_AC_VALUES = [0x00]


def _huffman_codes(bits: list[int], values: list[int]) -> dict[int, tuple[int, int]]:
    # T.81 Annex C: canonical codes, shortest first, counting up.
    codes, code, k = {}, 0, 0
    for length in range(1, 17):
        for _ in range(bits[length - 1]):
            codes[values[k]] = (code, length)
            code += 1
            k += 1
        code <<= 1
    return codes


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload


def _ycbcr(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    # JFIF 1.02 conversion, rounded to integers.
    r, g, b = rgb
    y = round(0.299 * r + 0.587 * g + 0.114 * b)
    cb = round(128 - 0.168736 * r - 0.331264 * g + 0.5 * b)
    cr = round(128 + 0.5 * r - 0.418688 * g - 0.081312 * b)
    return min(255, max(0, y)), min(255, max(0, cb)), min(255, max(0, cr))


def make_jpeg(blocks: list[list[tuple[int, int, int]]]) -> bytes:
    """A baseline JPEG whose 8x8 blocks have the given RGB colours (rows of blocks)."""
    height, width = 8 * len(blocks), 8 * len(blocks[0])
    dc = _huffman_codes(_DC_BITS, _DC_VALUES)
    ac = _huffman_codes(_AC_BITS, _AC_VALUES)
    out = bytearray()
    acc, nbits = 0, 0

    def put(code: int, length: int) -> None:
        nonlocal acc, nbits
        acc = (acc << length) | code
        nbits += length
        while nbits >= 8:
            nbits -= 8
            byte = (acc >> nbits) & 0xFF
            out.append(byte)
            if byte == 0xFF:
                out.append(0x00)  # T.81 F.1.2.3 byte stuffing

    previous = [0, 0, 0]
    for row in blocks:
        for colour in row:
            for component, level in enumerate(_ycbcr(colour)):
                # Quantiser 1 everywhere; the DC of a flat block is 8 * (level - 128).
                value = 8 * (level - 128)
                diff = value - previous[component]
                previous[component] = value
                size = abs(diff).bit_length()
                put(*dc[size])
                if size:
                    put(diff if diff > 0 else diff + (1 << size) - 1, size)
                put(*ac[0x00])
    if nbits:
        put((1 << (8 - nbits)) - 1, 8 - nbits)  # pad with 1-bits (T.81 F.1.2.3)

    jfif = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = bytes([0x00]) + bytes([1] * 64)
    sof = bytes([8]) + height.to_bytes(2, "big") + width.to_bytes(2, "big") + bytes([3])
    sof += bytes([1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0])
    dht = bytes([0x00, *_DC_BITS, *_DC_VALUES]) + bytes([0x10, *_AC_BITS, *_AC_VALUES])
    sos = bytes([3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0])
    return (
        b"\xff\xd8"
        + _segment(0xE0, jfif)
        + _segment(0xDB, dqt)
        + _segment(0xC0, sof)
        + _segment(0xC4, dht)
        + _segment(0xDA, sos)
        + bytes(out)
        + b"\xff\xd9"
    )


# --- message helpers --------------------------------------------------------


def lines(*items: str) -> bytes:
    """Text lines joined with CRLF (no trailing CRLF)."""
    return CRLF.join(item.encode("utf-8") for item in items)


def part(headers: list[str], body: bytes) -> bytes:
    return lines(*headers) + CRLF + CRLF + body


def multipart(boundary: str, parts: list[bytes]) -> bytes:
    for body in parts:
        assert f"--{boundary}".encode() not in body, "boundary occurs in a part"
    delimiter = f"--{boundary}".encode()
    out = b"".join(delimiter + CRLF + body + CRLF for body in parts)
    return out + delimiter + b"--" + CRLF


def base64_lines(data: bytes) -> bytes:
    # RFC 2045 §6.8: at most 76 characters per line.
    return base64.encodebytes(data).replace(b"\n", CRLF).rstrip(CRLF)


def http(start_line: str, headers: list[str], body: bytes) -> bytes:
    head = [start_line, *headers, f"Content-Length: {len(body)}"]
    return lines(*head) + CRLF + CRLF + body


def xml(text: str) -> bytes:
    """An XML document given with LF in the source, sent with CRLF."""
    return text.strip("\n").replace("\n", "\r\n").encode("utf-8")


# --- the messages -----------------------------------------------------------


def submit_mt_smil() -> bytes:
    ns = NS_PREFIX + "REL-6-MM7-1-4"
    envelope = xml(f"""
<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="{SOAP_ENV}">
  <env:Header>
    <mm7:TransactionID xmlns:mm7="{ns}" env:mustUnderstand="1">vasp-20250310-000123</mm7:TransactionID>
  </env:Header>
  <env:Body>
    <SubmitReq xmlns="{ns}">
      <MM7Version>6.8.0</MM7Version>
      <SenderIdentification>
        <VASPID>a1b2c3d4e5f6</VASPID>
        <VASID>12345mms</VASID>
        <SenderAddress>
          <ShortCode>12345</ShortCode>
        </SenderAddress>
      </SenderIdentification>
      <Recipients>
        <To>
          <Number>15553199144</Number>
        </To>
      </Recipients>
      <MessageClass>Informational</MessageClass>
      <ExpiryDate>P2D</ExpiryDate>
      <DeliveryReport>true</DeliveryReport>
      <Priority>Normal</Priority>
      <Subject>Your table at Café Lumière</Subject>
      <Content href="cid:mms-content" allowAdaptations="true"/>
    </SubmitReq>
  </env:Body>
</env:Envelope>
""")
    smil = xml("""
<smil>
<head>
<layout>
<root-layout width="320" height="480"/>
<region id="Image" left="0" top="0" width="100%" height="70%" fit="meet"/>
<region id="Text" left="0" top="70%" width="100%" height="30%" fit="scroll"/>
</layout>
</head>
<body>
<par dur="5000ms">
<img src="cid:terrace.jpg" region="Image"/>
<text src="cid:booking.txt" region="Text"/>
</par>
</body>
</smil>
""")
    text = (
        "Bonjour! Your table for 2 at Café Lumière is booked for Friday 8 pm.\n"
        "Show this message for a free dessert (worth 6 €). Reply STOP to opt out.\n"
    )
    text_qp = quopri.encodestring(text.encode("utf-8")).replace(b"\n", CRLF).rstrip(CRLF)
    jpeg = make_jpeg(
        [
            [(255, 140, 0), (255, 200, 40)],
            [(30, 90, 200), (20, 160, 90)],
        ]
    )
    inner = multipart(
        "mms-related-4c1f2a",
        [
            part(
                [
                    "Content-Type: application/smil",
                    "Content-ID: <smil>",
                    "Content-Location: presentation.smil",
                ],
                smil,
            ),
            part(
                [
                    'Content-Type: text/plain; charset="utf-8"',
                    "Content-ID: <booking.txt>",
                    "Content-Location: booking.txt",
                    "Content-Transfer-Encoding: quoted-printable",
                ],
                text_qp,
            ),
            part(
                [
                    'Content-Type: image/jpeg; name="terrace.jpg"',
                    "Content-ID: <terrace.jpg>",
                    "Content-Location: terrace.jpg",
                    "Content-Transfer-Encoding: base64",
                ],
                base64_lines(jpeg),
            ),
        ],
    )
    body = multipart(
        "mm7-soap-9e8d7c6b",
        [
            part(
                [
                    'Content-Type: text/xml; charset="utf-8"',
                    "Content-ID: <mm7-submit>",
                    # The Subject is UTF-8 text, so the part is not 7bit.
                    "Content-Transfer-Encoding: 8bit",
                ],
                envelope,
            ),
            part(
                [
                    'Content-Type: multipart/related; boundary="mms-related-4c1f2a";'
                    ' type="application/smil"; start="<smil>"',
                    "Content-ID: <mms-content>",
                ],
                inner.rstrip(CRLF),
            ),
        ],
    )
    credentials = base64.b64encode(b"a1b2c3d4e5f6:s3cr3t-t0ken").decode("ascii")
    return http(
        "POST /mm7 HTTP/1.1",
        [
            "Host: mms.example.net",
            f"Authorization: Basic {credentials}",
            "User-Agent: example-vasp/1.0",
            'SOAPAction: ""',
            'Content-Type: multipart/related; boundary="mm7-soap-9e8d7c6b"; type="text/xml";'
            ' start="<mm7-submit>"',
        ],
        body,
    )


def deliver_mo_picture() -> bytes:
    # NowSMS and Vibes pair REL-5-MM7-1-2 with MM7Version 5.3.0 (peers.md).
    ns = NS_PREFIX + "REL-5-MM7-1-2"
    envelope = xml(f"""
<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV}">
  <SOAP-ENV:Header>
    <mm7:TransactionID xmlns:mm7="{ns}" SOAP-ENV:mustUnderstand="1">relay-7781-0042</mm7:TransactionID>
  </SOAP-ENV:Header>
  <SOAP-ENV:Body>
    <mm7:DeliverReq xmlns:mm7="{ns}">
      <mm7:MM7Version>5.3.0</mm7:MM7Version>
      <mm7:MMSRelayServerID>mmsc.example.net</mm7:MMSRelayServerID>
      <mm7:Sender>
        <mm7:Number>+15553199144/TYPE=PLMN</mm7:Number>
      </mm7:Sender>
      <mm7:Recipients>
        <mm7:To>
          <mm7:ShortCode>12345</mm7:ShortCode>
        </mm7:To>
      </mm7:Recipients>
      <mm7:TimeStamp>2025-03-10T18:04:51Z</mm7:TimeStamp>
      <mm7:Priority>Normal</mm7:Priority>
      <mm7:Subject>PHOTO</mm7:Subject>
      <mm7:Content href="cid:mo-content-0042" allowAdaptations="true"/>
    </mm7:DeliverReq>
  </SOAP-ENV:Body>
</SOAP-ENV:Envelope>
""")
    jpeg = make_jpeg([[(200, 30, 30)], [(240, 240, 240)]])
    content = multipart(
        "mo-mixed-0042",
        [
            part(
                [
                    "Content-Type: text/plain; charset=us-ascii",
                    "Content-ID: <text0>",
                    "Content-Location: text0.txt",
                    "Content-Transfer-Encoding: 7bit",
                ],
                b"PHOTO entry for the weekend contest",
            ),
            part(
                [
                    "Content-Type: image/jpeg",
                    "Content-ID: <image0>",
                    "Content-Location: IMG_0042.jpg",
                    "Content-Transfer-Encoding: binary",
                ],
                jpeg,
            ),
        ],
    )
    body = multipart(
        "relay-soap-0042",
        [
            part(
                [
                    "Content-Type: text/xml; charset=utf-8",
                    "Content-ID: <soap-start>",
                    "Content-Transfer-Encoding: 8bit",
                ],
                envelope,
            ),
            part(
                [
                    'Content-Type: multipart/mixed; boundary="mo-mixed-0042"',
                    "Content-ID: <mo-content-0042>",
                ],
                content.rstrip(CRLF),
            ),
        ],
    )
    return http(
        "POST /mm7/inbound HTTP/1.1",
        [
            "Host: vasp.example.com",
            'Content-Type: multipart/related; boundary="relay-soap-0042"; type="text/xml";'
            ' start="<soap-start>"',
            'SOAPAction: ""',
        ],
        body,
    )


def delivery_report() -> bytes:
    ns = NS_PREFIX + "REL-6-MM7-1-4"
    envelope = xml(f"""
<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="{SOAP_ENV}">
  <env:Header>
    <mm7:TransactionID xmlns:mm7="{ns}" env:mustUnderstand="1">dr-20250310-55120</mm7:TransactionID>
  </env:Header>
  <env:Body>
    <DeliveryReportReq xmlns="{ns}">
      <MM7Version>6.8.0</MM7Version>
      <MMSRelayServerID>mms.example.net</MMSRelayServerID>
      <MessageID>041509240213600000000123</MessageID>
      <Recipient>
        <Number>15553199144</Number>
      </Recipient>
      <Sender>
        <ShortCode>12345</ShortCode>
      </Sender>
      <Date>2025-03-10T14:32:07-05:00</Date>
      <MMStatus>Retrieved</MMStatus>
      <StatusText>Message retrieved by the recipient</StatusText>
    </DeliveryReportReq>
  </env:Body>
</env:Envelope>
""")
    return http(
        "POST /mm7/reports HTTP/1.1",
        [
            "Host: vasp.example.com",
            'Content-Type: text/xml; charset="utf-8"',
            'SOAPAction: ""',
        ],
        envelope + CRLF,
    )


def fault_rserror() -> bytes:
    ns = NS_PREFIX + "REL-6-MM7-1-4"
    envelope = xml(f"""
<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="{SOAP_ENV}">
  <env:Header>
    <mm7:TransactionID xmlns:mm7="{ns}" env:mustUnderstand="1">vasp-20250310-000124</mm7:TransactionID>
  </env:Header>
  <env:Body>
    <env:Fault>
      <faultcode>env:Client</faultcode>
      <faultstring>Client error</faultstring>
      <detail>
        <RSErrorRsp xmlns="{ns}">
          <MM7Version>6.8.0</MM7Version>
          <Status>
            <StatusCode>2007</StatusCode>
            <StatusText>Message format corrupt</StatusText>
            <Details>ExpiryDate: 'tomorrow' is not a valid date or duration</Details>
          </Status>
        </RSErrorRsp>
      </detail>
    </env:Fault>
  </env:Body>
</env:Envelope>
""")
    return http(
        "HTTP/1.1 500 Internal Server Error",
        [
            "Date: Mon, 10 Mar 2025 18:05:12 GMT",
            "Server: example-mmsc",
            "Content-Type: text/xml",
            "Connection: close",
        ],
        envelope + CRLF,
    )


FILES = {
    "submit-mt-smil.http": submit_mt_smil,
    "deliver-mo-picture.http": deliver_mo_picture,
    "delivery-report.http": delivery_report,
    "fault-rserror.http": fault_rserror,
}


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name, build in FILES.items():
        path = HERE / name
        data = build()
        if check:
            if not path.is_file() or path.read_bytes() != data:
                stale.append(name)
        else:
            path.write_bytes(data)
    if stale:
        print("out of date (run examples/make_examples.py):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
