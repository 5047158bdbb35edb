from __future__ import annotations

from pathlib import Path

import pytest

from patchscope.core import Severity
from patchscope.diff import parse_diff, split_patch_body, unsafe_path
from patchscope.errors import DiffError

MULTI = """\
diff --git a/mm/a.c b/mm/a.c
index 1111111..2222222 100644
--- a/mm/a.c
+++ b/mm/a.c
@@ -10,4 +10,5 @@ static int helper(int x)
 int a;
-int b;
+int b2;
+int b3;

 int c;
\\ No newline at end of file
diff --git a/mm/old.h b/mm/new.h
similarity index 90%
rename from mm/old.h
rename to mm/new.h
index 3333333..4444444 100644
--- a/mm/old.h
+++ b/mm/new.h
@@ -1 +1 @@
-#define OLD 1
+#define NEW 1
diff --git a/mm/gone.c b/mm/gone.c
deleted file mode 100644
index 5555555..0000000
--- a/mm/gone.c
+++ /dev/null
@@ -1,2 +0,0 @@
-int gone;
-int really;
diff --git a/fw.bin b/fw.bin
index 6666666..7777777 100644
GIT binary patch
literal 12
zcmZ?wbhEHbRA3NbVBlk5;Ad!HVBv6M

literal 0
HcmV?d00001

diff --git a/mm/new.c b/mm/new.c
new file mode 100644
index 0000000..8888888
--- /dev/null
+++ b/mm/new.c
@@ -0,0 +1 @@
+int fresh;
--{SIG}
2.47.2
""".replace("{SIG}", " ")


def test_files_hunks_and_windows() -> None:
    files, findings = parse_diff(MULTI)
    assert findings == []
    by = {f.path: f for f in files}
    assert list(by) == ["mm/a.c", "mm/new.h", "mm/gone.c", "fw.bin", "mm/new.c"]
    a = by["mm/a.c"]
    assert (a.added, a.removed, a.old_blob, a.new_blob) == (2, 1, "1111111", "2222222")
    (hunk,) = a.hunks
    assert (hunk.old_start, hunk.old_length, hunk.new_start, hunk.new_length) == (10, 4, 10, 5)
    assert hunk.section == "static int helper(int x)"
    assert hunk.old_window == ["int a;", "int b;", "", "int c;"]
    assert hunk.new_window == ["int a;", "int b2;", "int b3;", "", "int c;"]
    b3 = hunk.lines[3]
    assert (b3.kind, b3.text, b3.old_lineno, b3.new_lineno, b3.position) == (
        "+", "int b3;", None, 12, 9
    )
    renamed = by["mm/new.h"]
    assert renamed.is_rename and renamed.old_path == "mm/old.h"
    assert by["mm/gone.c"].is_deleted and by["mm/gone.c"].removed == 2
    assert by["fw.bin"].is_binary and by["fw.bin"].hunks == []
    assert by["mm/new.c"].is_new and by["mm/new.c"].old_path is None


@pytest.mark.parametrize(
    ("header", "problem"),
    [("@@ -10,6 +10,5 @@", "short of its counted lines"),
     ("@@ -10,3 +10,4 @@", "more lines than its header counts"),
     ("@@ -10,4 +10,9 @@", "ends early")],
)
def test_hunk_counts_checked(header: str, problem: str) -> None:
    text = MULTI.replace("@@ -10,4 +10,5 @@", header)
    if problem == "ends early":
        text = text.split("diff --git a/mm/old.h")[0]
    with pytest.raises(DiffError, match=problem):
        parse_diff(text)


def test_unsafe_paths_are_findings_and_dropped() -> None:
    text = MULTI.replace("mm/gone.c", "../../etc/gone.c")
    files, findings = parse_diff(text, patch_index=3)
    assert "../../etc/gone.c" not in {f.path for f in files}
    assert len(files) == 4
    (finding,) = findings
    assert finding.check == "diff-unsafe-path" and finding.severity is Severity.ERROR
    assert finding.patch == 3 and "../../etc/gone.c" in finding.message


def test_absolute_path() -> None:
    text = "--- /etc/passwd\n+++ /etc/passwd\n@@ -1 +1 @@\n-a\n+b\n"
    files, findings = parse_diff(text)
    assert files == [] and findings[0].check == "diff-unsafe-path"
    assert unsafe_path("/x") and unsafe_path("a/../b") and not unsafe_path("a/..b/c")


def test_split_patch_body() -> None:
    body = "Subject line body.\n\nSigned-off-by: A <a@b>\n---\n v2: x\n a.c | 2 +-\n\n" + MULTI
    parts = split_patch_body(body)
    assert parts is not None
    assert parts.commit_message == "Subject line body.\n\nSigned-off-by: A <a@b>\n"
    assert parts.notes == " v2: x\n a.c | 2 +-"
    assert parts.diff_text.startswith("diff --git a/mm/a.c")
    assert split_patch_body("just words\n---\nno diff\n") is None


def test_blank_context_lines_stripped_by_mailers() -> None:
    text = "--- a/x.c\n+++ b/x.c\n@@ -1,3 +1,3 @@\n a\n\n-b\n+c\n"
    files, _ = parse_diff(text)
    assert files[0].hunks[0].old_window == ["a", "", "b"]


def test_git_quoted_and_spaced_paths() -> None:
    text = (
        'diff --git "a/caf\\303\\251.c" "b/caf\\303\\251.c"\n'
        'index 1111111..2222222 100644\n'
        '--- "a/caf\\303\\251.c"\n+++ "b/caf\\303\\251.c"\n@@ -1 +1,2 @@\n a\n+b\n'
        "diff --git a/sp ace.c b/sp ace.c\n"
        "--- a/sp ace.c\t\n+++ b/sp ace.c\t\n@@ -1 +1 @@\n-a\n+b\n"
    )
    files, _ = parse_diff(text)
    assert [(f.path, f.old_path) for f in files] == [
        ("café.c", "café.c"),
        ("sp ace.c", "sp ace.c"),
    ]


def test_b4_footer_after_the_last_hunk_ends_the_diff() -> None:
    """b4 prep --check feeds each patch with "---", base-commit and a signature
    after the last hunk; that footer is not part of the diff."""
    from patchscope.series import read_series

    source = Path(__file__).resolve().parents[2] / "fixtures" / "series" / "b4-prep-stdin.eml"
    series = read_series(str(source), cwd=str(source.parent))
    (patch,) = series.patches
    assert not patch.findings
    assert series.base_commit == "4acc189ab890f4d4727920c91bef47ad485bfbe2"
    last = patch.files[-1]
    assert (last.path, last.added, last.removed) == ("tools/testing/vma/vma_internal.h", 2, 1)
    assert last.hunks[-1].new_window[-1] == "\t(void)mas;"


def test_three_dashes_before_a_file_header_are_still_a_file_header() -> None:
    text = (
        "diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n"
        "diff --git a/y.c b/y.c\n--- a/y.c\n+++ b/y.c\n@@ -1 +1 @@\n-c\n+d\n"
    )
    files, _ = parse_diff(text)
    assert [f.path for f in files] == ["x.c", "y.c"]
