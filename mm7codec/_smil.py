"""SMIL presentations for multi-part MMS content.

Facts this module follows:

- An MMS with a presentation is a ``multipart/related; type="application/smil";
  start="<smil>"`` whose root part is a SMIL document and whose other parts
  are the media it plays (mm7-spec.md §4.3; Nokia, Huawei, China Mobile and
  InstantCom samples).
- MMS clients play the OMA MMS conformance subset of SMIL: one ``<layout>``
  with a ``root-layout`` and the two regions ``Image`` and ``Text``; a body
  of ``<par>`` slides, each with at most one image *or* video (both use the
  ``Image`` region), one text and one audio (no region). No namespace: the
  bare ``<smil>`` is what handsets write and accept.
- ``src`` references a part by ``cid:`` plus its Content-ID without the angle
  brackets, URL-encoded (RFC 2392), or by its Content-Location.
- Users ask first "how do I send an image?" (peers.md), so the content
  builder writes the SMIL and the ``cid:`` links itself: this module gives it
  the pieces without depending on the MIME ``Part`` class.

Grouping rule: media are placed in order; an image or video opens a new
slide unless the current one holds only audio; a text joins the current
slide if it has no text yet (so it pairs with the image before it); an
audio joins the current slide if it has no audio yet.
"""

from __future__ import annotations

from ._errors import EncodeError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dataclasses import dataclass as record
    from typing import Iterable, List, Optional, Sequence, Tuple
else:
    from ._record import record

__all__ = [
    "DEFAULT_SLIDE_DURATION_MS",
    "SMIL_CONTENT_ID",
    "SMIL_MIME_TYPE",
    "Slide",
    "SmilItem",
    "assign_content_ids",
    "build_smil",
    "cid_url",
    "group_slides",
    "render_smil",
    "smil_for",
    "smil_item_for",
    "smil_kind",
    "strip_content_id",
]

SMIL_MIME_TYPE = "application/smil"
SMIL_CONTENT_ID = "smil"  # the part is written "Content-ID: <smil>", start="<smil>"
DEFAULT_SLIDE_DURATION_MS = 5000

KINDS = ("image", "video", "audio", "text")
_ELEMENT = {"image": "img", "video": "video", "audio": "audio", "text": "text"}
_REGION = {"image": "Image", "video": "Image", "text": "Text"}

# Characters left as they are in a cid: URL and in generated Content-IDs:
# RFC 3986 unreserved plus "@" (Content-IDs are often addr-spec shaped).
_URL_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~@")


@record(frozen=True)
class SmilItem:
    """One media object of a presentation.

    ``kind`` is ``"image"``, ``"video"``, ``"audio"`` or ``"text"``; ``src``
    is the reference written into the SMIL as is (``cid:...`` or a
    Content-Location); :func:`smil_item_for` builds it from a part's
    description.

    Raises:
        EncodeError: unknown ``kind``, or an empty ``src``.

    .. versionadded:: 0.1
    """

    kind: str
    src: str

    def _on_build(self) -> None:
        if self.kind not in KINDS:
            raise EncodeError(f"SMIL item kind must be one of {KINDS}, got {self.kind!r}")
        if not isinstance(self.src, str) or not self.src.strip():
            raise EncodeError("SMIL item needs a non-empty src")


@record(frozen=True)
class Slide:
    """One ``<par>``: at most one image or video, one text and one audio.

    .. versionadded:: 0.1
    """

    visual: Optional[SmilItem] = None
    text: Optional[SmilItem] = None
    audio: Optional[SmilItem] = None
    duration_ms: int = DEFAULT_SLIDE_DURATION_MS

    def items(self) -> Tuple[SmilItem, ...]:
        """The slide's media in the order they are written."""
        return tuple(i for i in (self.visual, self.text, self.audio) if i is not None)


def smil_kind(mime_type: str) -> Optional[str]:
    """The SMIL kind for a MIME type, or ``None`` if it is not presented.

    ``image/*``, ``video/*``, ``audio/*`` and ``text/plain`` are presented;
    anything else (vCard, SMIL itself, ``application/*``) travels as an
    attachment that the SMIL does not reference. Parameters and case are
    ignored.

    .. versionadded:: 0.1
    """
    base = mime_type.split(";", 1)[0].strip().lower()
    major, _, minor = base.partition("/")
    if major in ("image", "video", "audio") and minor:
        return major
    if base == "text/plain":
        return "text"
    return None


def strip_content_id(value: str) -> str:
    """A Content-ID without surrounding spaces and angle brackets."""
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1].strip()
    return value


def cid_url(content_id: str) -> str:
    """The ``cid:`` URL for a Content-ID (brackets removed, RFC 2392 encoded).

    Raises:
        EncodeError: the Content-ID is empty.

    .. versionadded:: 0.1
    """
    bare = strip_content_id(content_id)
    if not bare:
        raise EncodeError("empty Content-ID")
    return "cid:" + "".join(
        c if c in _URL_SAFE else "".join(f"%{b:02X}" for b in c.encode("utf-8")) for c in bare
    )


def smil_item_for(
    mime_type: str, *, content_id: Optional[str] = None, content_location: Optional[str] = None
) -> Optional[SmilItem]:
    """The :class:`SmilItem` for a part, or ``None`` if it is not presented.

    The part is referenced by ``cid:`` when it has a Content-ID, else by its
    Content-Location.

    Raises:
        EncodeError: a presented part with neither Content-ID nor
            Content-Location.

    .. versionadded:: 0.1
    """
    kind = smil_kind(mime_type)
    if kind is None:
        return None
    if content_id is not None and strip_content_id(content_id):
        return SmilItem(kind, cid_url(content_id))
    if content_location is not None and content_location.strip():
        return SmilItem(kind, content_location.strip())
    raise EncodeError(f"a {mime_type} part needs a Content-ID or Content-Location for SMIL")


def _check_duration(duration_ms: int) -> int:
    if isinstance(duration_ms, bool) or not isinstance(duration_ms, int) or duration_ms <= 0:
        raise EncodeError(f"slide duration must be a positive int of ms, got {duration_ms!r}")
    return duration_ms


def group_slides(
    items: Iterable[SmilItem], *, duration_ms: int = DEFAULT_SLIDE_DURATION_MS
) -> Tuple[Slide, ...]:
    """Group media into slides by the rule in the module docstring.

    Raises:
        EncodeError: no items, or a non-positive duration.

    .. versionadded:: 0.1
    """
    _check_duration(duration_ms)
    slides: List[Slide] = []
    visual: Optional[SmilItem] = None
    text: Optional[SmilItem] = None
    audio: Optional[SmilItem] = None
    started = False
    for item in items:
        if item.kind == "text":
            opens = text is not None
        elif item.kind == "audio":
            opens = audio is not None
        else:
            opens = visual is not None or text is not None
        if opens and started:
            slides.append(Slide(visual, text, audio, duration_ms))
            visual = text = audio = None
        started = True
        if item.kind == "text":
            text = item
        elif item.kind == "audio":
            audio = item
        else:
            visual = item
    if not started:
        raise EncodeError("a SMIL presentation needs at least one image, video, audio or text")
    slides.append(Slide(visual, text, audio, duration_ms))
    return tuple(slides)


def _attr(value: str) -> str:
    # Attribute values are written in double quotes; escape what XML needs and
    # the whitespace that attribute normalisation would otherwise turn into spaces.
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\t", "&#9;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
    )


def render_smil(slides: Sequence[Slide], *, width: int = 320, height: int = 480) -> str:
    """The SMIL document for ``slides``, with CRLF line endings.

    The ``Image`` region takes the top 70 % of a ``width`` × ``height`` root
    layout and ``Text`` the bottom 30 %; a region is declared only if some
    slide uses it. When no slide has a visual, ``Text`` takes the whole
    screen.

    Raises:
        EncodeError: no slides, or a bad size or duration.

    .. versionadded:: 0.1
    """
    if not slides:
        raise EncodeError("a SMIL presentation needs at least one slide")
    for size in (width, height):
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise EncodeError(f"SMIL layout sizes must be positive ints, got {size!r}")
    has_visual = any(s.visual is not None for s in slides)
    has_text = any(s.text is not None for s in slides)
    lines = [
        "<smil>",
        "<head>",
        "<layout>",
        f'<root-layout width="{width}" height="{height}"/>',
    ]
    if has_visual:
        image_height = "70%" if has_text else "100%"
        lines.append(
            f'<region id="Image" left="0" top="0" width="100%" height="{image_height}" fit="meet"/>'
        )
    if has_text:
        top, text_height = ("70%", "30%") if has_visual else ("0", "100%")
        lines.append(
            f'<region id="Text" left="0" top="{top}" width="100%" height="{text_height}"'
            ' fit="scroll"/>'
        )
    lines += ["</layout>", "</head>", "<body>"]
    for slide in slides:
        lines.append(f'<par dur="{_check_duration(slide.duration_ms)}ms">')
        for item in slide.items():
            region = _REGION.get(item.kind)
            where = f' region="{region}"' if region else ""
            lines.append(f'<{_ELEMENT[item.kind]} src="{_attr(item.src)}"{where}/>')
        lines.append("</par>")
    lines += ["</body>", "</smil>", ""]
    return "\r\n".join(lines)


def build_smil(
    items: Iterable[SmilItem],
    *,
    duration_ms: int = DEFAULT_SLIDE_DURATION_MS,
    width: int = 320,
    height: int = 480,
) -> str:
    """Group ``items`` into slides and render the SMIL document.

    Raises:
        EncodeError: as :func:`group_slides` and :func:`render_smil`.

    .. versionadded:: 0.1
    """
    return render_smil(group_slides(items, duration_ms=duration_ms), width=width, height=height)


def smil_for(
    parts: Iterable[Tuple[str, Optional[str], Optional[str]]],
    *,
    duration_ms: int = DEFAULT_SLIDE_DURATION_MS,
    width: int = 320,
    height: int = 480,
) -> str:
    """The SMIL for the media parts of a ``multipart/related``.

    ``parts`` are ``(mime_type, content_id, content_location)`` triples in
    message order (the SMIL part itself excluded); parts that are not
    presented (see :func:`smil_kind`) are skipped.

    Raises:
        EncodeError: nothing presentable, or a presented part without
            Content-ID and Content-Location.

    .. versionadded:: 0.1
    """
    items = []
    for mime_type, content_id, content_location in parts:
        item = smil_item_for(mime_type, content_id=content_id, content_location=content_location)
        if item is not None:
            items.append(item)
    return build_smil(items, duration_ms=duration_ms, width=width, height=height)


def _token(hint: str) -> str:
    # Keep a file name recognisable ("cat.jpg"), but only with characters
    # that need no quoting in a header or a cid: URL.
    name = hint.replace("\\", "/").rsplit("/", 1)[-1]
    token = "".join(c if c in _URL_SAFE and c != "@" else "-" for c in name).strip("-.")
    return token[:64]


def assign_content_ids(
    content_ids: Sequence[Optional[str]],
    hints: Optional[Sequence[Optional[str]]] = None,
    *,
    reserved: Iterable[str] = (SMIL_CONTENT_ID,),
) -> List[str]:
    """Content-IDs (without brackets) for parts, keeping those they have.

    ``content_ids[i]`` is part *i*'s Content-ID or ``None``; ``hints[i]``
    (a file name or Content-Location) seeds a readable new ID, else
    ``part<i+1>`` is used. New IDs avoid every existing and ``reserved`` ID
    (case-insensitively, as some clients compare them) by adding ``-2``,
    ``-3``, ...; existing IDs are returned stripped of brackets, unchanged
    otherwise. The result is deterministic, so encoding twice gives the
    same bytes.

    Raises:
        EncodeError: ``hints`` is not as long as ``content_ids``.

    .. versionadded:: 0.1
    """
    if hints is None:
        hints = [None] * len(content_ids)
    elif len(hints) != len(content_ids):
        raise EncodeError("assign_content_ids: hints and content_ids differ in length")
    kept = [
        None if c is None or not strip_content_id(c) else strip_content_id(c) for c in content_ids
    ]
    taken = {c.lower() for c in kept if c is not None} | {r.lower() for r in reserved}
    result: List[str] = []
    for index, (existing, hint) in enumerate(zip(kept, hints)):
        if existing is not None:
            result.append(existing)
            continue
        base = (_token(hint) if hint else "") or f"part{index + 1}"
        candidate, counter = base, 1
        while candidate.lower() in taken:
            counter += 1
            stem, dot, ext = base.rpartition(".")
            candidate = f"{stem}-{counter}.{ext}" if dot and stem else f"{base}-{counter}"
        taken.add(candidate.lower())
        result.append(candidate)
    return result
