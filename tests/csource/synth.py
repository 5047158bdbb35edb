"""Small made-up series for tests: a base tree, then one commit per patch.

``make_series(tmp, base, steps)`` commits *base* (path -> text), then each
step (subject, path -> new text or None to delete), writes the patches with
``git format-patch`` and resets the repository to the base commit, so tree
mode has to apply them itself.
"""

from __future__ import annotations

from pathlib import Path

from tests.csource.kernel_tree import git


def write_files(repo: Path, files: dict[str, str | None]) -> None:
    for path, text in files.items():
        target = repo / path
        if text is None:
            target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def make_series(
    tmp: Path, base: dict[str, str], steps: list[tuple[str, dict[str, str | None]]]
) -> tuple[Path, Path]:
    """Return (repository at the base commit, directory of the series' patches)."""
    repo = tmp / "repo"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    write_files(repo, base)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    for subject, files in steps:
        write_files(repo, files)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"{subject}\n\nNo functional change intended.")
    out = tmp / "series"
    git(repo, "format-patch", "-q", "-o", str(out), f"HEAD~{len(steps)}")
    git(repo, "reset", "-q", "--hard", f"HEAD~{len(steps)}")
    return repo, out
