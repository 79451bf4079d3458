"""The README's Python examples: each passes mypy --strict, and the receiver answers what it gets.

A block preceded by the line ``<!-- readme-test: fragment -->`` uses names
the reader supplies (``request_body``, ``stream``); it is compiled, not
type-checked. Every other block must type-check on its own.
"""

from __future__ import annotations

import base64
import io
import re
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from mypy import api as mypy_api

import mm7codec as mm7

REPO = Path(__file__).resolve().parent.parent
FRAGMENT = "<!-- readme-test: fragment -->"


def python_blocks() -> List[Tuple[str, bool]]:
    """Every ```python block of the README as (code, is_fragment)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = []
    position = 0
    fence = re.compile(r"^```python\n(.*?)^```$", re.M | re.S)
    for found in fence.finditer(text):
        preceding = text[position : found.start()].rstrip("\n").rsplit("\n", 1)[-1]
        blocks.append((found.group(1), preceding.strip() == FRAGMENT))
        position = found.end()
    return blocks


def receiver_block() -> str:
    [code] = [code for code, _ in python_blocks() if "make_wsgi_app" in code]
    return code


def test_the_readme_has_whole_examples_and_few_fragments() -> None:
    blocks = python_blocks()
    whole = [code for code, fragment in blocks if not fragment]
    assert len(whole) >= 2, "the sender and the receiver examples are whole programs"
    assert sum(fragment for _, fragment in blocks) <= 2
    for code, _ in blocks:
        compile(code, "README.md", "exec")


def test_whole_examples_pass_mypy_strict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # mypy finds mm7codec in the checkout, as a reader's project would
    files = []
    for number, (code, fragment) in enumerate(python_blocks()):
        if not fragment:
            path = tmp_path / f"readme_block_{number}.py"
            path.write_text(code, encoding="utf-8")
            files.append(str(path))
    # Each block is its own module; one mypy run checks them all.
    stdout, stderr, status = mypy_api.run(
        [
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            "--python-executable",
            sys.executable,
            *files,
        ]
    )
    assert status == 0, stdout + stderr


def wsgi_post(app: Any, body: bytes, content_type: str, auth: Tuple[str, str]) -> Tuple[str, bytes]:
    token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    environ: Dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/mm7",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_AUTHORIZATION": f"Basic {token}",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
    }
    status: List[str] = []

    def start_response(line: str, headers: List[Tuple[str, str]], exc_info: Any = None) -> Any:
        status.append(line)

    answer = b"".join(app(environ, start_response))
    return status[0], answer


def run_receiver() -> Dict[str, Any]:
    namespace: Dict[str, Any] = {"__name__": "readme_receiver"}
    exec(compile(receiver_block(), "README.md", "exec"), namespace)
    return namespace


def deliver(content: Any) -> mm7.Message:
    req = mm7.DeliverReq(
        mms_relay_server_id="relay",
        sender=mm7.Address.number("15553199144"),
        recipients=mm7.Recipients(to=[mm7.Address.short_code("12345")]),
    )
    return mm7.Message(req, "tx-readme", "REL-6-MM7-1-4", content=content)


def assert_acknowledged(status: str, body: bytes, content_type_of: mm7.Message) -> None:
    assert status.startswith("200"), status
    reply = mm7.decode(body, "text/xml")
    assert isinstance(reply.pdu, mm7.DeliverRsp)
    assert reply.transaction_id == content_type_of.transaction_id
    assert reply.status is not None and reply.status.code == mm7.StatusCode.SUCCESS


def test_the_receiver_acknowledges_an_mo_without_content(
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = run_receiver()["app"]
    message = deliver(None)
    encoded = mm7.encode(message)
    assert mm7.decode(encoded.body, dict(encoded.headers)["Content-Type"]).content is None
    status, body = wsgi_post(
        app, encoded.body, dict(encoded.headers)["Content-Type"], ("gateway", "secret")
    )
    assert_acknowledged(status, body, message)
    assert capsys.readouterr().out == ""


def test_the_receiver_reads_the_leaves_of_a_nested_mo(capsys: pytest.CaptureFixture[str]) -> None:
    app = run_receiver()["app"]
    content = mm7.Part.multipart(
        "multipart/mixed",
        [
            mm7.Part.text("Hello from a phone"),
            mm7.Part.multipart(
                "multipart/alternative",
                [mm7.Part.bytes(b"\x89PNG fake", "image/png", content_location="cat.png")],
            ),
        ],
    )
    message = deliver(content)
    encoded = mm7.encode(message)
    status, body = wsgi_post(
        app, encoded.body, dict(encoded.headers)["Content-Type"], ("gateway", "secret")
    )
    assert_acknowledged(status, body, message)
    assert capsys.readouterr().out.splitlines() == ["Hello from a phone", "cat.png image/png 9"]
