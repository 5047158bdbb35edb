"""The streaming mailbox reader: lazy, and the same messages as reading whole.

Real files written by the tests; the reference is the whole-file split the
reader replaced (data read at once, CRLF replaced, split into lines), kept
here as the oracle.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from patchscope.errors import InputError
from patchscope.series import read_series
from patchscope.series.mbox import _FROM_LINE, _HEADER_LINE, _finish
from patchscope.series.sources import _stream_file, read_messages

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "fixtures" / "seed" / "free_pgtables-v1-4of9.mbox"


def _whole_file_split(data: bytes) -> list[bytes]:
    """The reader before streaming: the whole mailbox as one list of lines."""
    lines = data.replace(b"\r\n", b"\n").lstrip(b"\n").split(b"\n")
    out: list[bytes] = []
    current: list[bytes] | None = None
    for i, line in enumerate(lines):
        if (_FROM_LINE.match(line) and i + 1 < len(lines)
                and _HEADER_LINE.match(lines[i + 1])):
            if current is not None:
                out.append(_finish(current))
            current = []
        elif current is not None:
            current.append(line)
    if current is not None:
        out.append(_finish(current))
    return [m for m in out if m.strip()]


def _streamed(path: Path) -> list[bytes]:
    return list(_stream_file(str(path), path.open("rb")))


def _series_of(n: int) -> str:
    mail = SEED.read_text()
    out = []
    for i in range(1, n + 1):
        m = mail.replace("[PATCH v1 4/9]", f"[PATCH v1 {i}/{n}]")
        out.append(re.sub(r"Message-ID: <([^>]+)>", rf"Message-ID: <\1.{i}>", m))
    return "".join(out)


@pytest.mark.parametrize("path", sorted(p for p in (ROOT / "fixtures").rglob("*.mbox")
                                        if "fuzz" not in p.parts)[:60],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_fixture_mailboxes_split_as_when_read_whole(path: Path) -> None:
    data = path.read_bytes()
    if not _FROM_LINE.match(data.replace(b"\r\n", b"\n").lstrip(b"\n").split(b"\n")[0]):
        pytest.skip("not an mbox")
    assert _streamed(path) == _whole_file_split(data)


def test_many_patches_are_read_lazily(tmp_path: Path) -> None:
    path = tmp_path / "big.mbox"
    path.write_text(_series_of(400))  # about 9 MB
    size = path.stat().st_size
    f = path.open("rb")
    messages = _stream_file(str(path), f)
    first = next(messages)
    assert first.startswith(b"From: ")
    assert f.tell() < size // 20  # the first mail came out before the rest was read
    rest = list(messages)
    assert len(rest) == 400 * 5 - 1 and f.closed
    series = read_series(str(path), cwd=str(tmp_path))
    assert [p.index for p in series.patches] == list(range(1, 401))
    assert all(len(p.replies) == 4 for p in series.patches)


def test_truncated_last_mail(tmp_path: Path) -> None:
    text = _series_of(3)
    last_patch = text.rindex("Subject: [PATCH v1 3/3]")
    # cut inside patch 3's last hunk: its replies and the rest never arrive
    cut = text.index("\n", text.index("free_pgtables(&tlb, mas_detach", last_patch)) + 1
    path = tmp_path / "cut.mbox"
    path.write_bytes(text[:cut].encode())
    messages = _streamed(path)
    assert messages == _whole_file_split(path.read_bytes())
    assert len(messages) == 5 + 5 + 1 and messages[-1].endswith(b"mas_detach, vms->vma, "
                                                              b"vms->unmap_start,\n")
    series = read_series(str(path), cwd=str(tmp_path))
    assert [p.index for p in series.patches] == [1, 2, 3]
    assert series.patches[0].files and series.patches[1].files
    # the cut hunk is shorter than its header says: a finding, not a crash
    assert [f.check for f in series.patches[2].findings] == ["diff-malformed"]


def test_from_line_in_a_body_quoted_as_gt_from(tmp_path: Path) -> None:
    body = ("Subject: [PATCH] x: y\nMessage-ID: <q@x>\n\n"
            "As the mbox had it:\n>From mailer@z Thu Jan  1 00:00:00 1970\n"
            ">>From nested Thu Jan  1 00:00:00 1970\nFrom: not a separator either\n")
    text = f"From mailer@z Thu Jan  1 00:00:00 1970\n{body}\n" \
           f"From mailer@z Thu Jan  1 00:00:00 1970\n{body.replace('<q@x>', '<r@x>')}"
    path = tmp_path / "quoted.mbox"
    path.write_text(text)
    first, second = _streamed(path)
    assert b"\nFrom mailer@z Thu Jan  1 00:00:00 1970\n>From nested" in first
    assert b"<r@x>" in second
    assert [first, second] == _whole_file_split(path.read_bytes())


def test_crlf_mailbox_reads_as_lf(tmp_path: Path) -> None:
    lf = tmp_path / "lf.mbox"
    crlf = tmp_path / "crlf.mbox"
    text = _series_of(2)
    lf.write_bytes(text.encode())
    crlf.write_bytes(("\n\n" + text).replace("\n", "\r\n").encode())
    assert _streamed(crlf) == _streamed(lf) == _whole_file_split(crlf.read_bytes())
    a = read_series(str(lf), cwd=str(tmp_path))
    b = read_series(str(crlf), cwd=str(tmp_path))
    assert [(p.subject, p.diff_text, len(p.replies)) for p in a.patches] == \
           [(p.subject, p.diff_text, len(p.replies)) for p in b.patches]


def test_blank_and_binary_mailboxes_are_refused_in_one_line(tmp_path: Path) -> None:
    blank = tmp_path / "blank.mbox"
    blank.write_bytes(b"\n \n" * 40000)  # past the first block the check reads
    with pytest.raises(InputError, match="empty input"):
        list(read_messages(str(blank), cwd=str(tmp_path))[1])
    binary = tmp_path / "bin.mbox"
    binary.write_bytes(b"From mailer@z Thu Jan  1 00:00:00 1970\nSubject: a\n\n\x00\x01\n")
    with pytest.raises(InputError, match="binary data"):
        list(read_messages(str(binary), cwd=str(tmp_path))[1])
