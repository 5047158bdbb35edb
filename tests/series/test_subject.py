from __future__ import annotations

import pytest

from patchscope.series.subject import is_reply_subject, parse_subject


@pytest.mark.parametrize(
    ("subject", "prefixes", "version", "index", "total", "title"),
    [
        ("[PATCH v1 4/9] mm/memory: Add limit", ["PATCH"], 1, 4, 9, "mm/memory: Add limit"),
        ("[RFC PATCH net-next v3 2/7] net: x", ["RFC", "PATCH", "net-next"], 3, 2, 7, "net: x"),
        ("[PATCH] lone", ["PATCH"], 1, None, None, "lone"),
        ("[PATCHv2 01/10] glued", ["PATCH"], 2, 1, 10, "glued"),
        ("[PATCH 0/3] cover", ["PATCH"], 1, 0, 3, "cover"),
        ("[PATCH RESEND v2] [net] two groups", ["PATCH", "RESEND", "net"], 2, None, None,
         "two groups"),
        ("Re: [PATCH v2 2/3] reply", ["PATCH"], 2, 2, 3, "reply"),
        ("no tag at all", [], 1, None, None, "no tag at all"),
    ],
)
def test_parse_subject(
    subject: str, prefixes: list[str], version: int, index: int | None, total: int | None,
    title: str,
) -> None:
    tag = parse_subject(subject)
    assert (tag.prefixes, tag.version, tag.index, tag.total, tag.title) == (
        prefixes, version, index, total, title
    )


def test_reply_subjects() -> None:
    assert is_reply_subject("Re: [PATCH] x")
    assert is_reply_subject("RE: Re: AW: x")
    assert not is_reply_subject("[PATCH] Revert: re-add")
