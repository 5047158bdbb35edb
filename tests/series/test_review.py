from __future__ import annotations

from pathlib import Path

from patchscope.series import read_series
from tests.series.helpers import DIFF, mail, patch_mail, write

LONG_DIFF = """\
diff --git a/mm/a.c b/mm/a.c
index 1111111..2222222 100644
--- a/mm/a.c
+++ b/mm/a.c
@@ -1,5 +1,5 @@ int f(void)
 int x;
-int y;
+int z;
 int w;
 int same;
-int gone;
+int same;
diff --git a/mm/b.c b/mm/b.c
index 1111111..2222222 100644
--- a/mm/b.c
+++ b/mm/b.c
@@ -20,2 +20,2 @@
-int same;
+int other;
 int w;
"""


def _read(tmp: Path, reply_body: str, diff: str = LONG_DIFF) -> list[tuple[object, ...]]:
    path = write(
        tmp,
        "t.mbox",
        patch_mail("[PATCH] mm: x", "mm: x\n", diff, msgid="p@x"),
        mail("Re: [PATCH] mm: x", reply_body, msgid="r@x", in_reply_to="p@x",
             author="Rev Iewer <rev@example.org>"),
    )
    (patch,) = read_series(path, cwd=str(tmp)).patches
    return [(c.file, c.line, c.side, c.text) for c in patch.review_comments]


def test_duplicate_lines_match_in_order_within_quoted_file(tmp_path: Path) -> None:
    body = (
        "On Mon, Rev wrote:\n"
        "> diff --git a/mm/a.c b/mm/a.c\n"
        "> @@ -1,5 +1,5 @@ int f(void)\n"
        ">  int same;\n"
        "> -int gone;\n"
        "\nWhy remove it?\n\n"
        "> +int same;\n"
        "\nDuplicate.\n\n"
        "> diff --git a/mm/b.c b/mm/b.c\n"
        "> -int same;\n"
        "\nOld side.\n\n"
        "Thanks,\nRev\n"
    )
    assert _read(tmp_path, body) == [
        ("mm/a.c", 5, "old", "Why remove it?"),
        ("mm/a.c", 5, "new", "Duplicate."),
        ("mm/b.c", 20, "old", "Old side."),
    ]


def test_tabs_turned_to_spaces_and_nested_quotes(tmp_path: Path) -> None:
    diff = DIFF.replace("-int y;\n+int z;", "-\tint y;\n+\t\tint z;")
    body = (
        "> > diff --git a/mm/a.c b/mm/a.c\n"
        "> > +                int z;\n"
        ">\n"
        "\nMe too.\n"
    )
    got = _read(tmp_path, body, diff)
    assert got == [("mm/a.c", 2, "new", "Me too.")]


def test_unquoted_no_space_and_general_comment(tmp_path: Path) -> None:
    body = "Hi,\n\nOverall fine.\n\n>+int z;\nNit here.\n-- \nsig\n"
    assert _read(tmp_path, body) == [
        (None, None, None, "Overall fine."),
        ("mm/a.c", 2, "new", "Nit here."),
    ]


def test_quoted_prose_resets_anchor(tmp_path: Path) -> None:
    body = "> +int z;\n> Some commit message prose.\n\nAbout the prose.\n"
    assert _read(tmp_path, body) == [(None, None, None, "About the prose.")]


def test_greetings_and_sign_offs_versus_real_sentences(tmp_path: Path) -> None:
    body = (
        "Hi Author,\n\n> +int z;\n\nHey, this is wrong.\n\n"
        "Thanks for fixing this!\n\nThanks,\nRev\n"
    )
    assert _read(tmp_path, body) == [
        ("mm/a.c", 2, "new", "Hey, this is wrong.\n\nThanks for fixing this!"),
    ]


def test_quoted_hunk_header_without_file_header_picks_the_file(tmp_path: Path) -> None:
    # " int w;" is in both files; the hunk header says which one is meant.
    body = "> @@ -20,2 +20,2 @@\n>  int w;\n\nIn b.c.\n"
    assert _read(tmp_path, body) == [("mm/b.c", 21, "new", "In b.c.")]


def test_unmatched_diff_shaped_quote_keeps_the_anchor(tmp_path: Path) -> None:
    body = "> +int z;\n>+int zz; /* the reviewer's own edit */\n\nLike this.\n"
    assert _read(tmp_path, body) == [("mm/a.c", 2, "new", "Like this.")]
