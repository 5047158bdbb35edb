"""End to end: the real reader, libclang analysis and the CLI on the fixtures.

Verdicts are read from ``--format json`` (the contract), in-process for speed
and through a subprocess where the exit code is the point.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.csource.kernel_tree import SEED_MBOX, SEED_PATCH, git

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
EQ = FIXTURES / "equivalence"


def check(source: Path, *extra: str, cwd: Path | None = None) -> tuple[int, dict]:
    """Run ``patchscope check SOURCE --format json``; return (exit code, JSON)."""
    done = subprocess.run(
        [sys.executable, "-m", "patchscope", "check", str(source), "--format", "json",
         "--scenarios", "200", *extra],
        capture_output=True, text=True, cwd=cwd or Path.cwd(),
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def only_patch(report: dict) -> dict:
    assert len(report["patches"]) == 1
    return report["patches"][0]


def verdicts(patch: dict) -> dict[str, str]:
    return {c["caller"]: c["verdict"] for c in patch["call_sites"]}


def chain_tree(tmp_path: Path, *overlays: str) -> Path:
    """A git repository of trees/chain, with the files of each overlay tree laid over it."""
    repo = tmp_path / "chain"
    shutil.copytree(EQ / "trees" / "chain", repo)
    for overlay in overlays:
        shutil.copytree(EQ / "trees" / overlay, repo, dirs_exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "chain fixture")
    return repo


SEED_CALLERS = {"exit_mmap", "unmap_region", "vms_clear_ptes"}


def assert_seed_proved(rc: int, patch: dict, new: str = "tree_max", old: str = "ceiling") -> None:
    assert rc == 0
    assert verdicts(patch) == dict.fromkeys(SEED_CALLERS, "proved")
    assert patch["nfc"]["verdict"] == "proved"
    for c in patch["call_sites"]:
        assert f"substitution {new} := {old}" in c["method"]
        assert f"added WARN_ON_ONCE({new} - 1 > {old} - 1) is false for every value" \
            in c["method"]
    assert not [f for f in patch["findings"] if f["severity"] == "error"]


def test_seed_mbox_only() -> None:
    rc, report = check(SEED_MBOX)
    patch = only_patch(report)
    assert_seed_proved(rc, patch)
    assert all("hunks only" in c["method"] for c in patch["call_sites"])
    sig = patch["signature_changes"][0]
    assert sig["substitution"] == {"tree_max": "ceiling"}
    assert sig["body_verdict"]["verdict"] == "proved"


def test_seed_tree_mode(kernel_tree: Callable[..., Path]) -> None:
    repo = kernel_tree()
    rc, report = check(SEED_PATCH, "--tree", str(repo))
    patch = only_patch(report)
    assert_seed_proved(rc, patch)
    assert all("whole function" in c["method"] for c in patch["call_sites"])


def test_renamed_seed_gets_the_same_verdicts() -> None:
    rc, report = check(EQ / "seed-renamed.patch")
    assert_seed_proved(rc, only_patch(report), new="vma_end", old="pg_end")


@pytest.mark.parametrize("name", ["mutant-callee-bound", "mutant-caller-limit",
                                  "mutant-caller-pmd"])
def test_mutants_are_never_proved(name: str) -> None:
    rc, report = check(EQ / f"{name}.patch")
    patch = only_patch(report)
    assert rc == 1
    assert patch["nfc"]["verdict"] != "proved"
    errors = {f["check"] for f in patch["findings"] if f["severity"] == "error"}
    assert errors & {"nfc-refuted", "nfc-unproved"}
    v = verdicts(patch)
    if name == "mutant-callee-bound":
        assert all(k != "proved" for k in v.values())
    else:
        mutated = "unmap_region" if name == "mutant-caller-limit" else "vms_clear_ptes"
        assert v[mutated] != "proved"
        # the call passes a search limit above its ceiling: the new WARN can fire
        assert "assertion-reachable" in errors
        assert all(v[k] == "proved" for k in SEED_CALLERS - {mutated})


def test_mutant_callee_in_tree_mode(kernel_tree: Callable[..., Path]) -> None:
    rc, report = check(EQ / "mutant-callee-bound.patch", "--tree", str(kernel_tree()))
    patch = only_patch(report)
    assert rc == 1 and all(k != "proved" for k in verdicts(patch).values())


def test_chain_tree_mode(tmp_path: Path) -> None:
    repo = chain_tree(tmp_path)
    rc, report = check(EQ / "chain.patch", "--tree", str(repo))
    patch = only_patch(report)
    assert rc == 0
    assert verdicts(patch) == {"query_left": "proved"}
    assert patch["nfc"]["verdict"] == "proved"
    assert "substitution lim := p ? p->end : TOP" in patch["call_sites"][0]["method"]


def test_chain_variant_tree_mode(tmp_path: Path) -> None:
    repo = chain_tree(tmp_path)
    rc, report = check(EQ / "chain-variant.patch", "--tree", str(repo), "--strict")
    patch = only_patch(report)
    assert rc == 1  # unproved: an error under --strict
    assert verdicts(patch)["query_left"] != "proved"
    assert patch["nfc"]["verdict"] != "proved"


def test_chain_mbox_mode() -> None:
    # the hunk starts inside span_left()'s kernel-doc: "span_left() - how much"
    # there is prose, not a call
    rc, report = check(EQ / "chain.patch")
    patch = only_patch(report)
    assert rc == 0
    assert verdicts(patch) == {"query_left": "proved"}
    assert patch["nfc"]["verdict"] == "proved"
    rc, report = check(EQ / "chain-variant.patch")
    patch = only_patch(report)
    assert rc == 0  # unproved is a warning by default: the gate does not block on it
    assert verdicts(patch) == {"query_left": "unknown"}
    severities = {f["check"]: f["severity"] for f in patch["findings"]}
    assert "caller-not-updated" not in severities
    assert severities["nfc-unproved"] == "warning"


def test_no_claim_is_not_claimed_but_still_analysed() -> None:
    rc, report = check(EQ / "seed-no-claim.patch")
    patch = only_patch(report)
    assert rc == 0
    assert patch["claims_nfc"] is False
    assert patch["nfc"]["verdict"] == "not-claimed"
    assert verdicts(patch) == dict.fromkeys(SEED_CALLERS, "proved")


def _one_commit_patch(tmp_path: Path, before: str, after: str, message: str) -> Path:
    repo = tmp_path / "repo"
    (repo / "lib").mkdir(parents=True)
    (repo / "lib" / "a.c").write_text(before)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    (repo / "lib" / "a.c").write_text(after)
    git(repo, "commit", "-q", "-a", "-m", message)
    out = tmp_path / "one.patch"
    out.write_text(git(repo, "format-patch", "-1", "--stdout"))
    return out


BASE_C = "int twice(int x)\n{\n\t/* double it */\n\treturn x + x;\n}\n"


def test_comment_only_diff_without_signature_change_is_proved(tmp_path: Path) -> None:
    after = BASE_C.replace("/* double it */", "/*\n\t * Double @x.\n\t */").replace(
        "x + x", "x  +  x")
    patch_file = _one_commit_patch(tmp_path, BASE_C, after,
                                   "lib: reword a comment\n\nNo functional change.")
    rc, report = check(patch_file)
    patch = only_patch(report)
    assert rc == 0 and patch["nfc"]["verdict"] == "proved"
    assert any("only comments" in r for r in patch["nfc"]["reasons"])


def test_code_change_without_signature_change_is_unproved(tmp_path: Path) -> None:
    after = BASE_C.replace("x + x", "2 * x")
    patch_file = _one_commit_patch(tmp_path, BASE_C, after,
                                   "lib: multiply\n\nNo functional change.")
    rc, report = check(patch_file)
    patch = only_patch(report)
    assert rc == 0 and patch["nfc"]["verdict"] == "unknown"
    assert any(f["check"] == "nfc-unproved" and f["severity"] == "warning"
               for f in patch["findings"])
    rc, report = check(patch_file, "--strict")
    assert rc == 1
    assert any(f["check"] == "nfc-unproved" and f["severity"] == "error"
               for f in only_patch(report)["findings"])


def test_three_function_chain_tree_mode(tmp_path: Path) -> None:
    repo = chain_tree(tmp_path, "chain2")
    rc, report = check(EQ / "chain2.patch", "--tree", str(repo))
    patch = only_patch(report)
    assert rc == 0, patch["findings"]
    assert verdicts(patch) == {"query_left": "proved", "report_left": "proved"}
    inner = next(c for c in patch["call_sites"] if c["caller"] == "query_left")
    assert "with query_left()'s own substitution lim := q->p ? q->p->end : TOP" \
        in inner["method"]
    rc, report = check(EQ / "chain2-variant.patch", "--tree", str(repo), "--strict")
    patch = only_patch(report)
    assert rc == 1
    assert verdicts(patch)["report_left"] != "proved"


def test_a_patch_without_a_diff_is_not_proved(tmp_path: Path) -> None:
    mail = tmp_path / "empty.patch"
    mail.write_text(
        "From: A Person <a@example.org>\nSubject: [PATCH] lib: nothing\n"
        "Message-ID: <empty@example.org>\n\nNo functional change.\n\n"
        "Signed-off-by: A Person <a@example.org>\n---\n"
        " lib/a.c | 1 +\n 1 file changed, 1 insertion(+)\n\n"
        "diff --git a/lib/a.c b/lib/a.c\n--- a/lib/a.c\n+++ b/lib/a.c\n"
        "@@ -1,1 +1,5 @@\n int x;\n+int y;\n"
    )
    done = subprocess.run([sys.executable, "-m", "patchscope", "check", str(mail), "--format",
                           "json"], capture_output=True, text=True)
    assert done.returncode in (1, 2), done.stderr
    if done.returncode == 1:
        patch = only_patch(json.loads(done.stdout))
        assert patch["nfc"]["verdict"] != "proved"


def test_arm_lpae_profile_proves_the_seed_too() -> None:
    rc, report = check(SEED_MBOX, "--arch", "arm-lpae")
    assert_seed_proved(rc, only_patch(report))


DROP_BEFORE = """#include "a.h"

static unsigned long clamp_end(struct range *r, unsigned long end, int flags)
{
	unsigned long limit;

	limit = r->end;
	if (end - 1 > limit - 1)
		end = limit;
	return end;
}

unsigned long use_range(struct range *r, unsigned long x)
{
	unsigned long e;

	e = clamp_end(r, x + PAGE_SIZE, 0);
	e += clamp_end(r, x, r->flags);
	return e;
}
"""


def test_an_unused_parameter_dropped(tmp_path: Path) -> None:
    after = (DROP_BEFORE.replace("unsigned long end, int flags)", "unsigned long end)")
             .replace("clamp_end(r, x + PAGE_SIZE, 0)", "clamp_end(r, x + PAGE_SIZE)")
             .replace("clamp_end(r, x, r->flags)", "clamp_end(r, x)"))
    rc, report = check(_one_commit_patch(tmp_path, DROP_BEFORE, after,
                                         "lib: drop the unused flags\n\nNo functional change."))
    patch = only_patch(report)
    assert rc == 0 and patch["nfc"]["verdict"] == "proved"
    assert all("flags dropped (unread)" in c["method"] for c in patch["call_sites"])
    bad = after.replace("\tlimit = r->end;", "\tlimit = r->end;\n\tr->flags = 0;")
    rc, report = check(_one_commit_patch(tmp_path / "b", DROP_BEFORE, bad,
                                         "lib: drop the unused flags\n\nNo functional change."),
                       "--strict")
    assert rc == 1 and only_patch(report)["nfc"]["verdict"] != "proved"


MM_BEFORE = """static void flush_range(struct mm_struct *mm, unsigned long start,
			unsigned long end)
{
	if (!mm)
		return;
	tlb_flush(mm, start, end);
	count_flush(mm);
}

void unmap_one(struct vm_area_struct *vma)
{
	unsigned long s = vma->vm_start;

	flush_range(vma->vm_mm, s, vma->vm_end);
}
"""


def test_a_parameter_derived_from_the_new_one(tmp_path: Path) -> None:
    after = (MM_BEFORE.replace("flush_range(struct mm_struct *mm,", "flush_range(struct "
                               "vm_area_struct *vma,")
             .replace("if (!mm)", "if (!vma->vm_mm)").replace("tlb_flush(mm,", "tlb_flush("
                                                                  "vma->vm_mm,")
             .replace("count_flush(mm)", "count_flush(vma->vm_mm)")
             .replace("flush_range(vma->vm_mm, s,", "flush_range(vma, s,"))
    rc, report = check(_one_commit_patch(tmp_path, MM_BEFORE, after,
                                         "mm: pass the vma\n\nNo functional change."))
    patch = only_patch(report)
    assert rc == 0, patch["findings"]
    assert verdicts(patch) == {"unmap_one": "proved"}
    assert "old mm := vma->vm_mm" in patch["call_sites"][0]["method"]


def test_a_difference_no_layout_shows_is_verified_not_proved() -> None:
    # exit_mmap() passes ULONG_MAX for a ceiling of 0 (the top): the search limits
    # differ only at the very top, where no VMA can start
    rc, report = check(EQ / "caller-ulong-max.patch")
    patch = only_patch(report)
    site = next(c for c in patch["call_sites"] if c["caller"] == "exit_mmap")
    assert rc == 0
    assert site["verdict"] == "verified" and site["basis"] == "sampling"
    assert site["scenarios"] > 0 and site["seed"] == 1
    assert "differ for every value (macros of x86_64)" in site["reason"]
    assert patch["nfc"]["verdict"] == "verified" and patch["nfc"]["basis"] == "sampling"
    sampled = [f for f in patch["findings"] if f["check"] == "nfc-sampled"]
    assert [(f["severity"], f["file"], f["line"]) for f in sampled] == [
        ("warning", "mm/mmap.c", site["line"])]
    # arm-lpae's ceiling is not the top: there the limits really differ
    rc, report = check(EQ / "caller-ulong-max.patch", "--arch", "arm-lpae")
    site = next(c for c in only_patch(report)["call_sites"] if c["caller"] == "exit_mmap")
    assert rc == 1 and site["verdict"] == "refuted" and site["counterexample"]
