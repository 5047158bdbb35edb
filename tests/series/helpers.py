"""Small builders for series tests: mails as bytes, written where a test wants them."""

from __future__ import annotations

from pathlib import Path

import git

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "series"
SEED_MBOX = ROOT / "fixtures" / "seed" / "free_pgtables-v1-4of9.mbox"
FROM_LINE = "From patchscope@example Thu Jan  1 00:00:00 1970"

DIFF = """\
diff --git a/mm/a.c b/mm/a.c
index 1111111..2222222 100644
--- a/mm/a.c
+++ b/mm/a.c
@@ -1,3 +1,3 @@ int f(void)
 int x;
-int y;
+int z;
 int w;
"""


def mail(
    subject: str,
    body: str,
    *,
    msgid: str = "",
    in_reply_to: str = "",
    author: str = "A U Thor <author@example.org>",
    extra: str = "",
) -> str:
    """One mail (str) in mbox form, with its From_ line."""
    head = [FROM_LINE, f"From: {author}", f"Subject: {subject}"]
    if msgid:
        head.append(f"Message-ID: <{msgid}>")
    if in_reply_to:
        head += [f"In-Reply-To: <{in_reply_to}>", f"References: <{in_reply_to}>"]
    if extra:
        head.append(extra.rstrip("\n"))
    return "\n".join(head) + "\n\n" + body.rstrip("\n") + "\n"


def patch_mail(subject: str, message: str, diff: str = DIFF, **kw: str) -> str:
    return mail(subject, message.rstrip("\n") + "\n---\n" + diff, **kw)


def write(tmp: Path, name: str, *mails: str) -> str:
    path = tmp / name
    path.write_text("\n".join(mails), encoding="utf-8")
    return str(path)


def make_repo(tmp_path: Path) -> git.Repo:
    """A git repository with a base commit and two commits on top (one claims NFC)."""
    repo = git.Repo.init(tmp_path / "repo", initial_branch="main")
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "Zoë Ångström")
        cw.set_value("user", "email", "zoe@example.org")
    work = Path(repo.working_tree_dir or "")
    (work / "mm").mkdir()
    (work / "mm/a.c").write_text("int a;\nint b;\nint c;\n")
    repo.index.add(["mm/a.c"])
    repo.index.commit("mm: base")
    (work / "mm/a.c").write_text("int a;\nint b2;\nint c;\n")
    repo.index.add(["mm/a.c"])
    repo.index.commit(
        "mm: rename b\n\nFrom the start this was wrong.\n\nNo functional change.\n\n"
        "Signed-off-by: Zoë Ångström <zoe@example.org>\n"
    )
    (work / "mm/b.c").write_text("int d;\n")
    repo.index.add(["mm/b.c"])
    repo.index.commit("mm: add b.c\n\nSigned-off-by: Zoë Ångström <zoe@example.org>\n")
    return repo
