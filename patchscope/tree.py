"""Tree mode: the series applied in memory on a git checkout.

The user's repository is only read: blobs come from the object database
(through data streams, which keep every byte, unlike ``git show``), the
series is applied to those texts in Python, and ``git grep`` runs on the base
commit's tree object.  Worktree, index and refs are never written.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field

from patchscope.core import CheckOptions, FileChange, Finding, Hunk, Series, Severity
from patchscope.errors import TreeError

# How far back from HEAD to look for a commit holding the blobs the diffs'
# "index" lines name, when the series names no base.
BLOB_SEARCH_DEPTH = 200


def decode(data: bytes) -> str:
    """Source bytes as text; undecodable bytes survive a round trip."""
    return data.decode("utf-8", errors="surrogateescape")


class ApplyError(Exception):
    """A hunk's old lines are not where (or anywhere near where) it says."""


def _find_block(lines: list[str], block: list[str], expected: int, lowest: int) -> int | None:
    """Index nearest *expected* (not below *lowest*) where *block* starts in *lines*."""
    if not block:
        return max(lowest, min(expected, len(lines)))
    limit = len(lines) - len(block)
    for distance in range(0, max(expected, len(lines)) + 1):
        for pos in (expected - distance, expected + distance):
            if lowest <= pos <= limit and lines[pos : pos + len(block)] == block:
                return pos
        if expected - distance < lowest and expected + distance > limit:
            break
    return None


def apply_hunks(old_text: str, hunks: list[Hunk], path: str = "") -> str:
    """Apply *hunks* to *old_text* like ``patch`` without fuzz.

    A hunk may land away from its stated line (the search goes outward from
    it, after the previous hunk), but its context and removed lines must
    match exactly.  Raises :class:`ApplyError` otherwise.
    """
    ends_with_newline = old_text.endswith("\n") or old_text == ""
    lines = old_text.split("\n")
    if ends_with_newline:
        lines.pop()
    offset = 0
    lowest = 0
    for hunk in hunks:
        old_block = hunk.old_window
        new_block = hunk.new_window
        # "-N,0" names the line after which to insert; otherwise the first line
        start = hunk.old_start if hunk.old_length == 0 else hunk.old_start - 1
        pos = _find_block(lines, old_block, start + offset, lowest)
        if pos is None:
            raise ApplyError(
                f"{path}: hunk @@ -{hunk.old_start},{hunk.old_length} "
                f"+{hunk.new_start},{hunk.new_length} @@ does not match the file"
            )
        lines[pos : pos + len(old_block)] = new_block
        offset = pos - start + len(new_block) - len(old_block)
        lowest = pos + len(new_block)
    text = "\n".join(lines)
    if lines and ends_with_newline:
        text += "\n"
    return text


@dataclass
class TreeView:
    """A read-only view of a git tree with the series applied in memory.

    ``text(path, after=k)`` is the file as it is after the first *k*
    patches (k = 0: the base); ``None`` when it does not exist there.
    """

    root: str
    repo: object  # git.Repo (GitPython is typed loosely)
    base_sha: str
    base_reason: str  # how the base was chosen, for the report
    compile_commands: str | None = None
    # per patch index: the files it changes -> new text (None: deleted)
    states: dict[int, dict[str, str | None]] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)  # patch index -> why it did not apply
    findings: list[Finding] = field(default_factory=list)
    _base_overrides: dict[str, str] = field(default_factory=dict)
    _base_cache: dict[str, str | None] = field(default_factory=dict)
    _order: list[int] = field(default_factory=list)

    def base_text(self, path: str) -> str | None:
        """The file *path* in the base (None: not there)."""
        if path in self._base_overrides:
            return self._base_overrides[path]
        if path not in self._base_cache:
            self._base_cache[path] = self._read_blob(path)
        return self._base_cache[path]

    def _read_blob(self, path: str) -> str | None:
        commit = self.repo.commit(self.base_sha)  # type: ignore[attr-defined]
        try:
            blob = commit.tree / path
        except KeyError:
            return None
        if blob.type != "blob":
            return None
        return decode(blob.data_stream.read())

    def prefetch(self, paths: list[str]) -> None:
        """Read the base blobs of *paths* in one go (one ``ls-tree``, one ``cat-file``)."""
        todo = [p for p in paths if p not in self._base_cache and p not in self._base_overrides]
        if not todo:
            return
        listing = self.repo.git.ls_tree("-z", self.base_sha, "--", *todo)  # type: ignore[attr-defined]
        shas: dict[str, str] = {}
        for entry in listing.split("\0"):
            if not entry:
                continue
            meta, _, path = entry.partition("\t")
            _mode, kind, sha = meta.split()
            if kind == "blob":
                shas[path] = sha
        for path in todo:
            if path not in shas:
                self._base_cache[path] = None
        if not shas:
            return
        done = subprocess.run(
            ["git", "cat-file", "--batch"],
            cwd=self.root,
            input="".join(f"{sha}\n" for sha in shas.values()).encode(),
            capture_output=True,
            check=True,
        )
        out = done.stdout
        pos = 0
        for path, sha in shas.items():
            header_end = out.index(b"\n", pos)
            header = out[pos:header_end].split()
            if len(header) != 3 or header[0].decode() != sha:
                raise TreeError(f"{self.root}: git cat-file gave {header!r} for {path}")
            size = int(header[2])
            self._base_cache[path] = decode(out[header_end + 1 : header_end + 1 + size])
            pos = header_end + 1 + size + 1

    def text(self, path: str, after: int) -> str | None:
        """The file *path* after the first *after* patches of the series."""
        for index in reversed(self._order):
            if index <= after and path in self.states[index]:
                return self.states[index][path]
        return self.base_text(path)

    def touched(self, after: int) -> set[str]:
        """Paths any of the first *after* patches changes (new, deleted or renamed too)."""
        out: set[str] = set()
        for index in self._order:
            if index <= after:
                out.update(self.states[index])
        return out

    def grep(self, word: str) -> list[str]:
        """Files of the base tree naming *word* as a whole word (``git grep -l -w``)."""
        import git

        try:
            out = self.repo.git.grep(  # type: ignore[attr-defined]
                "-l", "-w", "-I", "-e", word, self.base_sha, "--"
            )
        except git.GitCommandError as exc:
            if exc.status == 1:  # no match
                return []
            raise TreeError(f"{self.root}: git grep failed: {exc.stderr.strip()}") from exc
        prefix = self.base_sha + ":"
        return [
            line[len(prefix) :] if line.startswith(prefix) else line for line in out.splitlines()
        ]

    def grep_extended(self, pattern: str) -> list[str]:
        """Files of the base tree with a line matching the extended regex *pattern*."""
        import git

        try:
            out = self.repo.git.grep(  # type: ignore[attr-defined]
                "-l", "-I", "-E", "-e", pattern, self.base_sha, "--"
            )
        except git.GitCommandError as exc:
            if exc.status == 1:  # no match
                return []
            raise TreeError(f"{self.root}: git grep failed: {exc.stderr.strip()}") from exc
        prefix = self.base_sha + ":"
        return [
            line[len(prefix) :] if line.startswith(prefix) else line for line in out.splitlines()
        ]

    def apply_series(self, series: Series) -> None:
        """Apply each patch on top of the previous ones; a failing patch is skipped."""
        for patch in series.patches:
            after = patch.index - 1
            try:
                self.states[patch.index] = self._apply_patch(patch.files, after)
            except ApplyError as exc:
                self.failed[patch.index] = str(exc)
                self.states[patch.index] = {}
                self.findings.append(
                    Finding(
                        check="patch-does-not-apply",
                        severity=Severity.WARNING,
                        message=f"does not apply to {self.base_sha[:12]} ({exc}); "
                        "analysed from the mail alone",
                        patch=patch.index,
                    )
                )
            self._order.append(patch.index)

    def _apply_patch(self, files: list[FileChange], after: int) -> dict[str, str | None]:
        changed: dict[str, str | None] = {}
        for fc in files:
            if fc.is_binary:
                continue
            source = fc.old_path or fc.path
            if fc.is_new:
                old = ""
            else:
                current = self.text(source, after)
                if current is None:
                    raise ApplyError(f"{source}: no such file in the tree")
                old = current
            if fc.is_deleted:
                changed[source] = None
                continue
            changed[fc.path] = apply_hunks(old, fc.hunks, fc.path)
            if fc.is_rename and source != fc.path:
                changed[source] = None
        return changed

    def close(self) -> None:
        """Release the repository handle (GitPython keeps git processes)."""
        close = getattr(self.repo, "close", None)
        if close is not None:
            close()


def _resolve(repo: object, rev: str) -> str | None:
    import git

    try:
        return str(repo.commit(rev).hexsha)  # type: ignore[attr-defined]
    except (git.BadName, git.BadObject, ValueError, git.GitCommandError):
        return None


def _first_blobs(series: Series) -> dict[str, str]:
    """path -> abbreviated blob id the series expects, at each path's first touch."""
    out: dict[str, str] = {}
    seen: set[str] = set()
    for patch in series.patches:
        for fc in patch.files:
            path = fc.old_path or fc.path
            if path in seen:
                continue
            seen.add(path)
            if fc.old_blob and not fc.is_new and set(fc.old_blob) != {"0"}:
                out[path] = fc.old_blob
    return out


def _commit_has_blobs(commit: object, blobs: dict[str, str]) -> bool:
    for path, blob in blobs.items():
        try:
            entry = commit.tree / path  # type: ignore[attr-defined]
        except KeyError:
            return False
        if not entry.hexsha.startswith(blob):
            return False
    return True


def _blob_base(repo: object, blobs: dict[str, str]) -> tuple[str, str, dict[str, str]] | None:
    """A base from the diffs' blob ids: a recent commit holding them all, else the blobs."""
    import git

    head = repo.head.commit  # type: ignore[attr-defined]
    for commit in repo.iter_commits(head, max_count=BLOB_SEARCH_DEPTH):  # type: ignore[attr-defined]
        if _commit_has_blobs(commit, blobs):
            how = "HEAD" if commit == head else f"commit {commit.hexsha[:12]}"
            return commit.hexsha, f"{how} holds the blobs the diffs name", {}
    overrides: dict[str, str] = {}
    for path, blob in blobs.items():
        try:
            obj = repo.rev_parse(blob)  # type: ignore[attr-defined]
        except (git.BadName, git.BadObject, ValueError):
            return None
        if obj.type != "blob":
            return None
        overrides[path] = decode(obj.data_stream.read())
    return head.hexsha, "the blobs the diffs name, on top of HEAD", overrides


def open_tree(options: CheckOptions, series: Series) -> TreeView:
    """Open the git checkout ``options.tree`` and apply *series* to it in memory.

    The base is ``--base`` if given, else the series' ``base-commit:``, else
    the blob ids of the diffs' ``index`` lines, else HEAD.  Raises
    :class:`TreeError` for a directory that is not a usable git checkout or
    a ``--base`` that names nothing.
    """
    import git

    root = options.tree or "."
    if not os.path.isdir(root):
        raise TreeError(f"{root}: not a directory")
    try:
        # a subdirectory of a checkout names the checkout: diff paths are
        # relative to its top
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
        raise TreeError(f"{root}: not a git checkout") from exc
    root = str(repo.working_tree_dir or repo.git_dir)
    try:
        _ = repo.head.commit
    except ValueError as exc:
        raise TreeError(f"{root}: the repository has no commits") from exc

    findings: list[Finding] = []
    overrides: dict[str, str] = {}
    sha: str | None = None
    reason = ""
    if options.base:
        sha = _resolve(repo, options.base)
        if sha is None:
            raise TreeError(f"{root}: --base {options.base} names no commit")
        reason = f"--base {options.base}"
    if sha is None and series.base_commit:
        sha = _resolve(repo, series.base_commit)
        if sha is not None:
            reason = f"base-commit {series.base_commit}"
        else:
            findings.append(
                Finding(
                    check="base-commit-unknown",
                    severity=Severity.INFO,
                    message=f"base-commit {series.base_commit} is not in {root}",
                )
            )
    if sha is None:
        blobs = _first_blobs(series)
        found = _blob_base(repo, blobs) if blobs else None
        if found is not None:
            sha, reason, overrides = found
    if sha is None:
        sha = repo.head.commit.hexsha
        reason = "HEAD"

    compile_commands = options.compile_commands
    if compile_commands is None and os.path.isfile(os.path.join(root, "compile_commands.json")):
        compile_commands = os.path.join(root, "compile_commands.json")
    view = TreeView(
        root=os.path.abspath(root),
        repo=repo,
        base_sha=sha,
        base_reason=reason,
        compile_commands=compile_commands,
        findings=findings,
        _base_overrides=overrides,
    )
    view.apply_series(series)
    return view
