"""The defect catalogue (issue 13 item 4): one table, read by the recorders, in the docs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import mm7codec
from mm7codec._defects import DEFECTS, LAYERS, markdown
from mm7codec._errors import DecodeError, Defect, DefectRecorder

PACKAGE = Path(mm7codec.__file__).parent
DOCS = Path(__file__).parent.parent / "docs" / "defects.md"
#: A kind passed literally to anything that records one (record, defect, _defect, ...).
_CALL = re.compile(
    r"\b_?(?:record|defect|defect_once|content_defect|report)\(\s*\"([a-z0-9]+(?:-[a-z0-9]+)+)\""
)
#: Kinds chosen before the call: ``kind = "a" if ... else "b"``, ``how = "..."``, alias tables.
_CHOSEN = re.compile(
    r"\b(?:kind|how)\s*=\s*\"([a-z0-9]+(?:-[a-z0-9]+)+)\"(?:\s*if .* else \"([a-z0-9]+(?:-[a-z0-9]+)+)\")?"
)
_ALIAS = re.compile(r"\(\"\w+\", \"([a-z0-9]+(?:-[a-z0-9]+)+)\"\)")


def _sources() -> str:
    return "\n".join(
        path.read_text(encoding="utf-8")
        for path in sorted(PACKAGE.glob("*.py"))
        if path.name != "_defects.py"
    )


def test_every_recorded_kind_is_in_the_catalogue() -> None:
    text = _sources()
    recorded = set(_CALL.findall(text))
    for match in _CHOSEN.findall(text):
        recorded.update(k for k in match if k)
    recorded.update(_ALIAS.findall(text))
    assert len(recorded) >= 60, sorted(recorded)  # the scan finds them
    assert recorded - set(DEFECTS) == set()


def test_every_catalogued_kind_is_recorded_somewhere() -> None:
    text = _sources()
    unused = [kind for kind in DEFECTS if f'"{kind}"' not in text]
    assert unused == []


def test_each_entry_has_a_known_layer_and_one_line() -> None:
    for kind, (layer, meaning) in DEFECTS.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", kind), kind
        assert layer in LAYERS, kind
        assert meaning and "\n" not in meaning and "|" not in meaning, kind


def test_docs_are_rendered_from_the_catalogue() -> None:
    assert DOCS.read_text(encoding="utf-8") == markdown(), (
        "docs/defects.md is stale: python -m mm7codec._defects > docs/defects.md"
    )
    for kind in DEFECTS:
        assert f"| `{kind}` |" in markdown()


def test_the_recorder_refuses_an_unknown_kind() -> None:
    recorder = DefectRecorder()
    with pytest.raises(AssertionError, match=r"not in mm7codec/_defects\.py"):
        recorder.record("no-such-kind")
    recorder.record("bare-lf", "x", offset=7)
    assert recorder.defects == [Defect("bare-lf", "x")]
    assert recorder.defects[0].offset == 7


def test_strict_recorder_raises_with_the_offset() -> None:
    with pytest.raises(DecodeError) as info:
        DefectRecorder(strict=True).record("bare-lf", "x", offset=9)
    assert info.value.offset == 9 and "bare-lf" in str(info.value)


def test_defects_keep_their_offsets() -> None:
    """Each layer's defect carries where it was found in the bytes it read."""
    envelope = (
        b'<?xml version="1.0"?><e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/">'
        b"<e:Header><TransactionID>t</TransactionID></e:Header><e:Body><DeliveryReportRsp>"
        b"<MM7Version>6.8.0</MM7Version><Status><StatusCode>1000</StatusCode>"
        b"<StatusText>ok</StatusText></Status></DeliveryReportRsp></e:Body></e:Envelope>"
    )
    body = (
        b"--b\nContent-Type: text/xml\n\n" + envelope + b"\n--b\nContent-Type: text/plain\n\n"
        b"hi\n--b--\n"
    )
    message = mm7codec.decode(body, 'multipart/related; boundary="b"; type="text/xml"')
    bare_lf = [d for d in message.defects if d.kind == "bare-lf"]
    assert bare_lf and bare_lf[0].offset is not None and 0 <= bare_lf[0].offset < len(body)
    blank = b"\n\n" + envelope
    [defect] = [
        d for d in mm7codec.decode(blank, "text/xml").defects if d.kind.startswith("whitespace")
    ]
    assert defect.offset == 0
