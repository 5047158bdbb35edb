"""Decoding one raw email into a :class:`~patchscope.core.Message`.

The stdlib parser with ``policy.default`` decodes quoted-printable, base64,
charsets and RFC 2047 headers; what is left here is choosing the text parts,
surviving broken headers and charsets, and normalising line ends so that every
encoding of one message decodes to the same text.
"""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from email.utils import getaddresses

from patchscope.core import Message

_MSGID = re.compile(r"<([^<>\s]+)>")
_TEXT_TYPES = ("text/plain", "text/x-patch", "text/x-diff", "text/x-patch-file")
# An in-body header block of format-patch ("From: ..." when the author is not
# the sender), at the very start of the body, ended by a blank line.
_IN_BODY_HEADER = re.compile(r"^(From|Subject|Date):[ \t]*(.*)$")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _header(msg: EmailMessage, name: str) -> str | None:
    try:
        value = msg.get(name)
    except Exception:  # noqa: BLE001 - a broken header is treated as absent
        raw = msg.get_all(name, failobj=[]) if hasattr(msg, "get_all") else []
        value = raw[0] if raw else None
    if value is None:
        return None
    return _one_line(str(value))


def format_author(value: str | None) -> str:
    """``Name <addr>`` from a From: header value (already RFC 2047 decoded)."""
    if not value:
        return ""
    try:
        pairs = getaddresses([value])
    except Exception:  # noqa: BLE001
        return _one_line(value)
    name, addr = pairs[0] if pairs else ("", "")
    if not addr:
        return _one_line(value)
    name = _one_line(name)
    return f"{name} <{addr}>" if name else addr


def message_ids(value: str | None) -> list[str]:
    """All ``<id>`` in a header, without the angle brackets."""
    if not value:
        return []
    found = _MSGID.findall(value)
    if not found and value.strip() and " " not in value.strip():
        return [value.strip().strip("<>")]
    return found


def _part_text(part: EmailMessage) -> str:
    if part.get_param("charset") is None:
        # No charset declared: 8-bit text is most often UTF-8, else Latin-1.
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            try:
                return payload.decode("utf-8")
            except UnicodeDecodeError:
                return payload.decode("latin-1")
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, AssertionError, ValueError):
        # Unknown or lying charset: decode the transfer encoding ourselves.
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    if isinstance(content, bytes):
        content = content.decode("utf-8", errors="replace")
    return str(content)


def _body_text(msg: EmailMessage) -> str:
    if not msg.is_multipart():
        return _part_text(msg) if msg.get_content_maintype() == "text" else ""
    texts: list[str] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        if part.get_content_type() in _TEXT_TYPES or (
            part.get_content_maintype() == "text"
            and part.get_content_subtype() not in ("html", "enriched")
        ):
            texts.append(_part_text(part))
    return "\n".join(t if t.endswith("\n") else t + "\n" for t in texts)


def normalise_newlines(text: str) -> str:
    """LF line ends, no trailing blank lines, one final newline."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.rstrip("\n")
    return text + "\n" if text else ""


def parse_message(raw: bytes, *, fallback_id: str = "") -> Message:
    """Decode one raw email (headers and body) into a :class:`Message`.

    format-patch's in-body ``From:``/``Subject:``/``Date:`` lines, which
    override the mail headers, are applied and removed from the body.
    """
    head, sep, rest = raw.partition(b"\n\n")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        # Raw 8-bit headers that are not UTF-8 (against RFC 5322): read as Latin-1.
        raw = head.decode("latin-1").encode("utf-8") + sep + rest
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    body = normalise_newlines(_body_text(msg))
    subject = _header(msg, "Subject") or ""
    author = format_author(_header(msg, "From"))
    date = _header(msg, "Date")
    ids = message_ids(_header(msg, "Message-ID"))
    in_reply_to = message_ids(_header(msg, "In-Reply-To"))
    references = message_ids(_header(msg, "References"))

    lines = body.split("\n")
    overrides: dict[str, str] = {}
    i = 0
    while i < len(lines) and (m := _IN_BODY_HEADER.match(lines[i])):
        overrides[m.group(1)] = m.group(2)
        i += 1
    if overrides and i < len(lines) and lines[i] == "":
        body = "\n".join(lines[i + 1 :])
        if "From" in overrides:
            author = format_author(overrides["From"])
        if "Subject" in overrides:
            subject = _one_line(overrides["Subject"])
        if "Date" in overrides:
            date = _one_line(overrides["Date"])
    return Message(
        message_id=ids[0] if ids else fallback_id,
        subject=subject,
        author=author,
        date=date,
        body=body,
        in_reply_to=in_reply_to[-1] if in_reply_to else None,
        references=references,
    )
