"""The per-patch size limit: a patch past it is unknown, naming the limit, and
is not analysed; a big treewide patch below it is analysed in full."""

from __future__ import annotations

from pathlib import Path

from patchscope.commands.check import check_series
from patchscope.core import CheckOptions, VerdictKind
from patchscope.csource.size import MAX_PATCH_TOKENS, c_tokens
from patchscope.series import read_series


def treewide(callers: int, casts: int = 0) -> str:
    """A kernel-like treewide patch: frob_page() gains a parameter, every caller
    passes 0; *casts* casts of the first argument in the first caller."""
    out = ["From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001",
           "From: A Developer <dev@example.org>", "Date: Tue, 9 Sep 2025 15:09:41 -0400",
           "Subject: [PATCH] treewide: pass the flags to frob_page()", "",
           "Pass the flags on. No functional change intended.", "",
           "Signed-off-by: A Developer <dev@example.org>", "---",
           " Documentation/frob.rst | 2 +-", "",
           "diff --git a/Documentation/frob.rst b/Documentation/frob.rst",
           "--- a/Documentation/frob.rst", "+++ b/Documentation/frob.rst",
           "@@ -1,1 +1,1 @@", "-frob_page(page, order) " + "x " * 70_000,
           "+frob_page(page, order, flags) " + "x " * 70_000,
           "diff --git a/include/linux/frob.h b/include/linux/frob.h",
           "--- a/include/linux/frob.h", "+++ b/include/linux/frob.h",
           "@@ -10,5 +10,5 @@ struct page;", " #include <linux/types.h>", " ",
           "-void frob_page(struct page *page, int order);",
           "+void frob_page(struct page *page, int order, unsigned long flags);", " ",
           " #endif"]
    for i in range(callers):
        f = f"drivers/misc/frob{i}.c"
        cast = "(struct page *)" * casts if i == 0 else ""
        out += [f"diff --git a/{f} b/{f}", f"--- a/{f}", f"+++ b/{f}",
                f"@@ -{100 + 3 * i},5 +{100 + 3 * i},5 @@ "
                f"static int frob{i}_probe(struct device *dev)",
                f" \tstruct frob{i}_priv *priv = dev_get_drvdata(dev);", " \tint ret;", " ",
                f"-\tfrob_page({cast}priv->page, priv->order + {i % 5});",
                f"+\tfrob_page({cast}priv->page, priv->order + {i % 5}, 0);",
                f" \tret = frob{i}_start(priv);"]
    return "\n".join(out + ["-- ", "2.43.0", ""])


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "series.mbox"
    path.write_text(text)
    return path


def test_tokens_are_counted_in_c_hunks_only_context_included(tmp_path: Path) -> None:
    series = read_series(str(_write(tmp_path, treewide(2))), cwd=str(tmp_path))
    # the 140,000 words of the .rst file do not count; each caller's hunk does,
    # its context lines too
    n = c_tokens(series.patches[0])
    assert 60 < n < 200
    one = read_series(str(_write(tmp_path, treewide(1))), cwd=str(tmp_path))
    assert n - c_tokens(one.patches[0]) > 30  # the second caller's six lines


def test_a_patch_past_the_limit_is_unknown_naming_it_and_not_analysed(tmp_path: Path) -> None:
    # one line of 20,000 casts (60,000 tokens): a fuzzed mail's shape
    series = check_series(CheckOptions(source=str(_write(tmp_path, treewide(3, 20_000))),
                                       scenarios=0))
    patch = series.patches[0]
    assert patch.unanalysed
    assert patch.nfc is not None and patch.nfc.verdict is VerdictKind.UNKNOWN
    assert f"more than {MAX_PATCH_TOKENS:,} tokens" in patch.nfc.reasons[0]
    assert not patch.signature_changes and not patch.call_sites and not patch.accounting
    assert [f.check for f in patch.findings if f.check == "c-analysis-skipped"] == [
        "c-analysis-skipped"]


def test_a_treewide_patch_below_the_limit_is_analysed(tmp_path: Path) -> None:
    series = check_series(CheckOptions(source=str(_write(tmp_path, treewide(300))),
                                       scenarios=0))
    patch = series.patches[0]
    assert c_tokens(patch) < MAX_PATCH_TOKENS
    assert not patch.unanalysed
    assert [c.function for c in patch.signature_changes] == ["frob_page"]
    assert len(patch.call_sites) == 300
    assert all(c.new_args[-1].text == "0" for c in patch.call_sites)
