from __future__ import annotations

from patchscope.series.mbox import looks_like_mbox, split_mbox


def test_body_line_starting_with_from_does_not_split() -> None:
    data = (
        b"From x Thu Jan  1 00:00:00 1970\nSubject: a\n\nline\n\nFrom now on we split.\n"
        b"From here too\n\n"
        b"From y Mon Sep 17 00:00:00 2001\nSubject: b\n\nbody b\n"
    )
    msgs = split_mbox(data)
    assert len(msgs) == 2
    assert b"From now on we split.\nFrom here too\n" in msgs[0]
    assert msgs[1].startswith(b"Subject: b")


def test_from_line_with_date_but_no_headers_is_body() -> None:
    data = (
        b"From x Thu Jan  1 00:00:00 1970\nSubject: a\n\n"
        b"From me Thu Jan  1 00:00:00 1970\nnot a header line\n"
    )
    msgs = split_mbox(data)
    assert len(msgs) == 1
    assert b"From me Thu Jan" in msgs[0]


def test_mboxrd_unquoting_removes_one_level() -> None:
    data = b"From x Thu Jan  1 00:00:00 1970\nSubject: a\n\n>From one\n>>From two\n> From quoted\n"
    (msg,) = split_mbox(data)
    assert b"\nFrom one\n>From two\n> From quoted\n" in msg


def test_trailing_separator_blank_lines_dropped_and_preamble_ignored() -> None:
    data = b"junk\nFrom x Thu Jan  1 00:00:00 1970\nSubject: a\n\nbody\n\n\n"
    assert split_mbox(data) == [b"Subject: a\n\nbody\n"]


def test_looks_like_mbox() -> None:
    assert looks_like_mbox(b"From 3f2a9c0 Mon Sep 17 00:00:00 2001\nFrom: a\n")
    assert not looks_like_mbox(b"From: someone <a@b>\nSubject: x\n")


def test_a_last_blank_context_line_is_kept() -> None:
    """A patch sent without a signature may end on a diff's blank context
    line, one space: it is part of the hunk, not the separator."""
    data = (b"From x Thu Jan  1 00:00:00 1970\nSubject: a\n\n@@ -1,2 +1,2 @@\n-a\n+b\n \n\n"
            b"From y Mon Sep 17 00:00:00 2001\nSubject: b\n\nbody b\n")
    first, _ = split_mbox(data)
    assert first.endswith(b"+b\n \n")
