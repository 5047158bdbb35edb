"""Assembling a series: cover letter, numbering, threading of replies."""

from __future__ import annotations

from pathlib import Path

from patchscope.series import read_series
from tests.series.helpers import mail, patch_mail, write


def test_cover_trailers_go_to_every_patch_and_threads_follow_references(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "s.mbox",
        mail("[PATCH v3 0/2] cover", "Cover text.\n\nbase-commit: 0123456789abcdef\n",
             msgid="c@x"),
        patch_mail("[PATCH v3 1/2] one", "one\n", msgid="p1@x", in_reply_to="c@x"),
        patch_mail("[PATCH v3 2/2] two", "two\n", msgid="p2@x", in_reply_to="c@x"),
        mail("Re: [PATCH v3 0/2] cover", "Acked-by: Big Boss <boss@example.org>\n",
             msgid="r1@x", in_reply_to="c@x"),
        # A reply to a reply of 2/2, with only References pointing at the patch.
        mail("Re: [PATCH v3 2/2] two", "> Earlier words.\n\nTested-by: T <t@example.org>\n",
             msgid="r3@x", extra="References: <c@x> <p2@x> <r2@x>"),
        mail("Re: [PATCH v3 2/2] two", "Hmm.\n", msgid="r2@x", in_reply_to="p2@x"),
        # No threading headers at all: matched by subject.
        mail("Re: [PATCH v3 1/2] one", "Reviewed-by: R <r@example.org>\n", msgid="r4@x"),
    )
    series = read_series(path, cwd=str(tmp_path))
    assert (series.subject, series.version, series.total) == ("cover", 3, 2)
    assert series.base_commit == "0123456789abcdef" and series.message_id == "c@x"
    one, two = series.patches
    assert [(t.key, t.source) for t in one.trailers] == [
        ("Reviewed-by", "reply"),
        ("Acked-by", "reply"),
    ]
    assert [(t.key, t.value) for t in two.trailers] == [
        ("Tested-by", "T <t@example.org>"),
        ("Acked-by", "Big Boss <boss@example.org>"),
    ]
    assert sorted(r.message_id for r in two.replies) == ["r2@x", "r3@x"]


def test_base_commit_from_a_patch(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "p.mbox",
        patch_mail("[PATCH] one", "one\n", diff=(
            "diff --git a/a.c b/a.c\n--- a/a.c\n+++ b/a.c\n@@ -1 +1 @@\n-a\n+b\n\n"
            "base-commit: abcdef0123456\n-- \n2.47.2\n"
        )),
    )
    series = read_series(path, cwd=str(tmp_path))
    assert series.base_commit == "abcdef0123456"
    assert series.patches[0].files[0].added == 1


def test_nfc_claim_in_title_or_body_but_not_notes_or_diff(tmp_path: Path) -> None:
    diff = (
        "diff --git a/a.c b/a.c\n--- a/a.c\n+++ b/a.c\n@@ -1 +1 @@\n"
        "-/* No functional change. */\n+/* NFC. */\n"
    )
    path = write(
        tmp_path,
        "n.mbox",
        patch_mail("[PATCH 1/3] mm: tidy (no functional change)", "tidy\n", diff),
        mail("[PATCH 2/3] mm: notes", "body\n---\nv2: no functional change vs v1\n\n" + diff),
        patch_mail("[PATCH 3/3] mm: quoted", "> No functional change intended.\n", diff),
    )
    one, two, three = read_series(path, cwd=str(tmp_path)).patches
    assert one.claims_nfc and one.nfc_claim == "mm: tidy (no functional change)"
    assert not two.claims_nfc and not three.claims_nfc


def test_diffstat_disagreeing_with_the_diff_is_a_warning(tmp_path: Path) -> None:
    diff = "diff --git a/a.c b/a.c\n--- a/a.c\n+++ b/a.c\n@@ -1 +1,2 @@\n-a\n+b\n+c\n"
    notes = " a.c | {stat}\n 1 file changed, {ins} insertions(+), 1 deletion(-)\n\n"
    path = write(
        tmp_path,
        "d.mbox",
        mail("[PATCH 1/2] ok", "ok\n---\n" + notes.format(stat="3 ++-", ins=2) + diff),
        mail("[PATCH 2/2] edited", "edited\n---\n" + notes.format(stat="4 +++-", ins=3) + diff),
    )
    one, two = read_series(path, cwd=str(tmp_path)).patches
    assert one.findings == []
    (finding,) = two.findings
    assert finding.check == "diffstat-mismatch" and "+3 -1" in finding.message


def test_review_of_an_older_version_is_not_carried_over(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "v.mbox",
        patch_mail("[PATCH 1/1] thing", "v1\n", msgid="v1@x"),
        mail("Re: [PATCH 1/1] thing", "Reviewed-by: Old <old@example.org>\n", msgid="r1@x"),
        mail("Re: [PATCH 1/1] thing", "Acked-by: Old <old@example.org>\n", msgid="r2@x",
             in_reply_to="v1@x"),
        patch_mail("[PATCH v2 1/1] thing", "v2\n", msgid="v2@x"),
    )
    (patch,) = read_series(path, cwd=str(tmp_path)).patches
    assert patch.version == 2 and patch.trailers == [] and patch.replies == []
