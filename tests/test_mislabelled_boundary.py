"""A multipart label without a usable boundary: the body's first delimiter line is read.

``boundary=""`` (or blank, or missing) names no delimiter; the body still starts with
one. Such a message that arrived whole is answered 1000 once (with a defect); any cut
of it is never acknowledged, exactly as with a proper label.
"""

from __future__ import annotations

import re
from typing import List

import pytest
from test_receiver_contract import App, acknowledged

import mm7codec as mm7

with open("examples/deliver-mo-picture.http", "rb") as _f:
    _HEAD, BODY = _f.read().split(b"\r\n\r\n", 1)
LABEL = next(
    line.split(b":", 1)[1].strip().decode()
    for line in _HEAD.split(b"\r\n")
    if line.lower().startswith(b"content-type:")
)
TRANSACTION_ID = re.search(rb"TransactionID[^>]*>([^<]+)<", BODY).group(1).decode()  # type: ignore[union-attr]
LABELS = [
    re.sub(r'boundary="[^"]*"', 'boundary=""', LABEL),
    re.sub(r'boundary="[^"]*"', 'boundary="  "', LABEL),
    re.sub(r';\s*boundary="[^"]*"', "", LABEL),
]


@pytest.mark.parametrize("label", LABELS)
def test_decoded_as_with_its_boundary(label: str) -> None:
    assert "relay" not in label  # the boundary really is gone from the label
    message = mm7.decode(BODY, label)
    assert message == mm7.decode(BODY, LABEL)
    assert [d.kind for d in message.defects] == ["multipart-body-mislabelled"]
    with pytest.raises(mm7.DecodeError, match="multipart-body-mislabelled"):
        mm7.decode(BODY, label, strict=True)


@pytest.mark.parametrize("label", LABELS)
def test_answered_once_whole_and_never_when_cut(label: str) -> None:
    app = App()
    assert acknowledged(*app.post(label, BODY), TRANSACTION_ID)
    assert len(app.handled) == 1
    # Cut anywhere before the end of the close delimiter (only its CRLF may be missing).
    whole_at = BODY.rindex(b"--relay-soap-0042--") + len(b"--relay-soap-0042--")
    cuts: List[int] = sorted(set(range(0, whole_at, 61)) | set(range(whole_at - 80, whole_at)))
    for cut in cuts:
        for chunked in (False, True):
            assert not acknowledged(
                *app.post(label, BODY[:cut], chunked=chunked), TRANSACTION_ID
            ), cut
    assert len(app.handled) == 1
