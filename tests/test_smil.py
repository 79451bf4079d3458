"""SMIL presentations: slide grouping, the document, cid: links, Content-IDs."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mm7codec._errors import EncodeError
from mm7codec._smil import (
    Slide,
    SmilItem,
    assign_content_ids,
    build_smil,
    cid_url,
    group_slides,
    render_smil,
    smil_for,
    smil_item_for,
    smil_kind,
    strip_content_id,
)


def image(src: str = "cid:a.jpg") -> SmilItem:
    return SmilItem("image", src)


def text(src: str = "cid:a.txt") -> SmilItem:
    return SmilItem("text", src)


def media(doc: str) -> list[tuple[int, str, str, str | None]]:
    """(slide index, element, src, region) for every media element, in order."""
    root = ET.fromstring(doc)
    return [
        (index, element.tag, element.attrib["src"], element.attrib.get("region"))
        for index, par in enumerate(root.iter("par"))
        for element in par
    ]


def test_oma_shape() -> None:
    doc = build_smil([image("cid:cat.jpg"), text("cid:hello.txt")])
    root = ET.fromstring(doc)
    assert root.tag == "smil"
    layout = root.find("head/layout")
    assert layout is not None
    assert [e.tag for e in layout] == ["root-layout", "region", "region"]
    assert [e.get("id") for e in layout.iter("region")] == ["Image", "Text"]
    pars = root.findall("body/par")
    assert len(pars) == 1
    assert pars[0].get("dur") == "5000ms"
    assert media(doc) == [(0, "img", "cid:cat.jpg", "Image"), (0, "text", "cid:hello.txt", "Text")]
    assert doc.endswith("</smil>\r\n")
    assert "\n" not in doc.replace("\r\n", "")


def test_text_pairs_with_preceding_image() -> None:
    items = [image("cid:1"), text("cid:2"), image("cid:3"), text("cid:4"), text("cid:5")]
    assert media(build_smil(items)) == [
        (0, "img", "cid:1", "Image"),
        (0, "text", "cid:2", "Text"),
        (1, "img", "cid:3", "Image"),
        (1, "text", "cid:4", "Text"),
        (2, "text", "cid:5", "Text"),
    ]


def test_leading_text_is_its_own_slide() -> None:
    slides = group_slides([text("cid:t"), image("cid:i")])
    assert slides == (Slide(text=text("cid:t")), Slide(visual=image("cid:i")))


def test_audio_joins_the_slide() -> None:
    items = [
        SmilItem("audio", "cid:a1"),
        image("cid:i1"),
        text("cid:t1"),
        SmilItem("video", "cid:v1"),
        SmilItem("audio", "cid:a2"),
        SmilItem("audio", "cid:a3"),
    ]
    slides = group_slides(items)
    assert [[i.src for i in s.items()] for s in slides] == [
        ["cid:i1", "cid:t1", "cid:a1"],
        ["cid:v1", "cid:a2"],
        ["cid:a3"],
    ]
    rows = media(build_smil(items))
    assert ("audio" in [r[1] for r in rows]) and all(r[3] is None for r in rows if r[1] == "audio")
    assert (1, "video", "cid:v1", "Image") in rows


def test_regions_only_when_used() -> None:
    only_text = ET.fromstring(build_smil([text()]))
    assert [r.attrib for r in only_text.iter("region")] == [
        {"id": "Text", "left": "0", "top": "0", "width": "100%", "height": "100%", "fit": "scroll"}
    ]
    only_image = ET.fromstring(build_smil([image()]))
    assert [(r.get("id"), r.get("height")) for r in only_image.iter("region")] == [
        ("Image", "100%")
    ]


def test_durations_and_sizes() -> None:
    doc = build_smil([image(), text(), image()], duration_ms=8000, width=176, height=208)
    root = ET.fromstring(doc)
    assert [p.get("dur") for p in root.iter("par")] == ["8000ms", "8000ms"]
    root_layout = root.find("head/layout/root-layout")
    assert root_layout is not None and root_layout.attrib == {"width": "176", "height": "208"}
    per_slide = render_smil([Slide(visual=image(), duration_ms=2500), Slide(text=text())])
    assert [p.get("dur") for p in ET.fromstring(per_slide).iter("par")] == ["2500ms", "5000ms"]


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "5000"])
def test_bad_duration(bad: object) -> None:
    with pytest.raises(EncodeError, match="duration"):
        build_smil([image()], duration_ms=bad)  # type: ignore[arg-type]
    with pytest.raises(EncodeError, match="duration"):
        render_smil([Slide(visual=image(), duration_ms=bad)])  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [0, -5, 2.0, False])
def test_bad_size(bad: object) -> None:
    with pytest.raises(EncodeError, match="sizes"):
        build_smil([image()], width=bad)  # type: ignore[arg-type]


def test_empty() -> None:
    with pytest.raises(EncodeError, match="at least one"):
        build_smil([])
    with pytest.raises(EncodeError, match="at least one slide"):
        render_smil([])


def test_bad_items() -> None:
    with pytest.raises(EncodeError, match="kind"):
        SmilItem("picture", "cid:x")
    with pytest.raises(EncodeError, match="src"):
        SmilItem("image", "  ")


def test_attribute_escaping() -> None:
    src = 'pic "1" <&>\tx\ny.jpg'
    doc = build_smil([SmilItem("image", src)])
    assert media(doc) == [(0, "img", src, "Image")]


@pytest.mark.parametrize(
    ("mime_type", "kind"),
    [
        ("image/jpeg", "image"),
        ("IMAGE/GIF", "image"),
        ("video/3gpp", "video"),
        ("audio/amr", "audio"),
        ("text/plain", "text"),
        ('text/plain; charset="utf-8"', "text"),
        ("text/x-vCard", None),
        ("application/smil", None),
        ("application/octet-stream", None),
        ("image", None),
        ("image/", None),
    ],
)
def test_smil_kind(mime_type: str, kind: str | None) -> None:
    assert smil_kind(mime_type) == kind


def test_cid_url() -> None:
    assert cid_url("<cat.jpg>") == "cid:cat.jpg"
    assert cid_url(" < part1@example.com > ") == "cid:part1@example.com"
    assert cid_url("a b/ü") == "cid:a%20b%2F%C3%BC"
    with pytest.raises(EncodeError):
        cid_url("<>")
    assert strip_content_id("<x>") == "x"
    assert strip_content_id("x") == "x"


def test_smil_item_for() -> None:
    assert smil_item_for("image/png", content_id="<i>") == SmilItem("image", "cid:i")
    assert smil_item_for("text/plain", content_location="hello.txt") == SmilItem(
        "text", "hello.txt"
    )
    assert smil_item_for("text/plain", content_id="<>", content_location=" t.txt ") == SmilItem(
        "text", "t.txt"
    )
    assert smil_item_for("text/x-vcard") is None
    with pytest.raises(EncodeError, match="Content-ID or Content-Location"):
        smil_item_for("image/png", content_location=" ")


def test_smil_for_skips_attachments() -> None:
    doc = smil_for(
        [
            ("image/jpeg", "<cat>", None),
            ("text/x-vcard", "<card>", None),
            ("text/plain; charset=utf-8", None, "caption.txt"),
        ]
    )
    assert media(doc) == [(0, "img", "cid:cat", "Image"), (0, "text", "caption.txt", "Text")]
    with pytest.raises(EncodeError):
        smil_for([("text/x-vcard", "<card>", None)])


def test_assign_content_ids() -> None:
    ids = assign_content_ids(
        ["<given>", None, None, None, None, " ", None],
        [None, "photos/cat.jpg", "cat.jpg", None, "C:\\x\\Smil", "hello wörld.txt", "..."],
    )
    assert ids == ["given", "cat.jpg", "cat-2.jpg", "part4", "Smil-2", "hello-w-rld.txt", "part7"]
    assert assign_content_ids([None, None]) == ["part1", "part2"]
    assert assign_content_ids(["part2", None, None]) == ["part2", "part2-2", "part3"]
    assert assign_content_ids([None], ["x"], reserved=()) == ["x"]
    with pytest.raises(EncodeError, match="length"):
        assign_content_ids([None], [])


kinds = st.sampled_from(["image", "video", "audio", "text"])


@given(st.lists(kinds, min_size=1, max_size=20), st.integers(1, 100_000))
def test_every_item_once_in_order(sequence: list[str], duration: int) -> None:
    items = [SmilItem(kind, f"cid:part{n}") for n, kind in enumerate(sequence)]
    slides = group_slides(items, duration_ms=duration)
    for slide in slides:
        assert slide.items()
    doc = build_smil(items, duration_ms=duration)
    rows = media(doc)
    # Within a slide the order is visual, text, audio; across slides, input order.
    seen = sorted(rows, key=lambda r: int(r[2][len("cid:part") :]))
    assert [r[2] for r in seen] == [i.src for i in items]
    assert [r[0] for r in seen] == sorted(r[0] for r in seen)
    for n, item in enumerate(items):
        if item.kind == "text" and n and items[n - 1].kind in ("image", "video"):
            slide_of = {r[2]: r[0] for r in rows}
            assert slide_of[item.src] == slide_of[items[n - 1].src]


@given(st.lists(st.one_of(st.none(), st.text(max_size=8)), max_size=12), st.data())
def test_assigned_ids_are_unique_and_safe(existing: list[str | None], data: st.DataObject) -> None:
    hints = data.draw(
        st.lists(
            st.one_of(st.none(), st.text(max_size=12)),
            min_size=len(existing),
            max_size=len(existing),
        )
    )
    unique_existing = {strip_content_id(e).lower() for e in existing if e and strip_content_id(e)}
    if len(unique_existing) != len([e for e in existing if e and strip_content_id(e)]):
        return  # duplicates the caller gave are theirs to keep
    ids = assign_content_ids(existing, hints)
    assert len({i.lower() for i in ids}) == len(ids)
    for given_id, new_id in zip(existing, ids):
        if given_id is None or not strip_content_id(given_id):
            assert new_id.lower() != "smil"
            assert new_id and all(c.isascii() and (c.isalnum() or c in "-._~") for c in new_id)
