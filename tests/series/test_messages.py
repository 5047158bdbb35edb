from __future__ import annotations

import base64
import quopri

from patchscope.series.messages import format_author, message_ids, parse_message


def _raw(headers: str, body: bytes) -> bytes:
    return headers.encode() + b"\n\n" + body


def test_quoted_printable_and_rfc2047() -> None:
    body = quopri.encodestring("Zoë wrote a very long line ".encode() * 5 + b"\n\tx = y;\n")
    raw = _raw(
        "From: =?utf-8?q?Zo=C3=AB_=C3=85ngstr=C3=B6m?= <zoe@example.org>\n"
        "Subject: =?utf-8?b?W1BBVENIXSBaw7bDqw==?=\n"
        "Message-ID: <abc@x>\nContent-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: quoted-printable",
        body,
    )
    msg = parse_message(raw)
    assert msg.author == "Zoë Ångström <zoe@example.org>"
    assert msg.subject == "[PATCH] Zöë"
    assert msg.message_id == "abc@x"
    assert msg.body == "Zoë wrote a very long line " * 5 + "\n\tx = y;\n"


def test_base64_latin1_crlf() -> None:
    text = "Grüße\r\n\r\nline two\r\n"
    raw = _raw(
        "From: a@b\nSubject: x\nContent-Type: text/plain; charset=iso-8859-1\n"
        "Content-Transfer-Encoding: base64",
        base64.encodebytes(text.encode("iso-8859-1")),
    )
    assert parse_message(raw).body == "Grüße\n\nline two\n"


def test_unknown_charset_falls_back() -> None:
    raw = _raw("From: a@b\nSubject: x\nContent-Type: text/plain; charset=x-bogus", b"caf\xc3\xa9\n")
    assert parse_message(raw).body == "café\n"


def test_in_body_from_overrides_sender() -> None:
    raw = _raw(
        "From: Sender <s@example.org>\nSubject: [PATCH] x",
        b"From: Real Author <real@example.org>\n\nThe message.\n",
    )
    msg = parse_message(raw)
    assert msg.author == "Real Author <real@example.org>"
    assert msg.body == "The message.\n"


def test_multipart_takes_text_parts() -> None:
    raw = _raw(
        'From: a@b\nSubject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B"',
        b"--B\nContent-Type: text/plain\n\nintro\n--B\nContent-Type: text/html\n\n<p>x</p>\n"
        b"--B\nContent-Type: text/x-patch\n\ndiff --git a/x b/x\n--B--\n",
    )
    body = parse_message(raw).body
    assert "intro" in body and "diff --git a/x b/x" in body and "<p>" not in body


def test_headers_helpers() -> None:
    assert message_ids("<a@b> <c@d>") == ["a@b", "c@d"]
    assert message_ids("bare@id") == ["bare@id"]
    assert format_author('"Liam R. Howlett" <Liam.Howlett@oracle.com>') == (
        "Liam R. Howlett <Liam.Howlett@oracle.com>"
    )
    assert format_author("") == ""


def test_undeclared_8bit_charsets() -> None:
    latin = parse_message(b"From: J\xf6rg <j@x>\nSubject: [PATCH] caf\xe9\n\nCaf\xe9 body\n")
    assert (latin.author, latin.subject) == ("Jörg <j@x>", "[PATCH] café")
    assert latin.body == "Café body\n"
    utf8 = parse_message("From: Jörg <j@x>\nSubject: x\n\nCafé body\n".encode())
    assert (utf8.author, utf8.body) == ("Jörg <j@x>", "Café body\n")
