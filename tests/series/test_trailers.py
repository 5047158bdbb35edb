from __future__ import annotations

from patchscope.series.trailers import canonical_key, find_trailers


def test_canonical_keys() -> None:
    assert canonical_key("reviewed-BY") == "Reviewed-by"
    assert canonical_key("Co-Developed-By") == "Co-developed-by"
    assert canonical_key("Reported-And-Tested-By") == "Reported-and-tested-by"
    assert canonical_key("link") == "Link"


def test_trailers_skip_quotes_and_signature() -> None:
    text = (
        "> Signed-off-by: Quoted Person <q@example.org>\n"
        "> > Acked-by: Deeper <d@example.org>\n"
        "Looks good, feel free to add:\n\n"
        "reviewed-by: Some One <one@example.org>\n"
        "Fixes: 0123456789ab (\"mm: thing\")\n"
        "Note: not a trailer\n"
        "Reviewed-by: Some One <one@example.org>\n"
        "-- \n"
        "Tested-by: In Signature <sig@example.org>\n"
    )
    got = [(t.key, t.value, t.source) for t in find_trailers(text, source="reply", message_id="m")]
    assert got == [
        ("Reviewed-by", "Some One <one@example.org>", "reply"),
        ("Fixes", '0123456789ab ("mm: thing")', "reply"),
    ]


def test_top_posted_original_is_not_the_reviewers_text() -> None:
    text = (
        "Acked-by: Top Poster <top@example.org>\n\n"
        "-----Original Message-----\nFrom: Author\n\nSigned-off-by: Author <a@example.org>\n"
    )
    got = [(t.key, t.value) for t in find_trailers(text, source="reply", message_id=None)]
    assert got == [("Acked-by", "Top Poster <top@example.org>")]
