"""Tree mode: the series applied on a git checkout, as ``git am`` would, out of sight.

The user's repository is only read: blobs come from the object database
(through data streams and ``cat-file``, which keep every byte, unlike
``git show``), ``git apply`` applies the series to a scratch index beside it
(see :mod:`patchscope.gitapply`), and ``git grep`` runs on the base commit's
tree object.  Worktree, index, refs and object store are never written.
Where each hunk really applied is kept (:meth:`TreeView.placements`): a tree
a few commits away from the series' base has its functions elsewhere than
the ``@@`` numbers say.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from patchscope.core import CheckOptions, FileChange, Finding, Patch, Series, Severity
from patchscope.errors import TreeError
from patchscope.gitapply import ApplyFailed, Placement, ScratchIndex, cat_blobs

# How far back from HEAD to look for a commit holding the blobs the diffs'
# "index" lines name, when the series names no base.
BLOB_SEARCH_DEPTH = 200


def _fits(lines: list[str], start: int, length: int, window: list[str]) -> bool:
    """Whether *window* is the text of *lines* at a hunk side numbered *start*,*length*."""
    first = start if length else start + 1  # "-N,0": the hunk goes after line N
    return lines[first - 1 : first - 1 + len(window)] == window if first >= 1 else not window


def decode(data: bytes) -> str:
    """Source bytes as text; undecodable bytes survive a round trip."""
    return data.decode("utf-8", errors="surrogateescape")


@dataclass
class TreeView:
    """A read-only view of a git tree with the series applied on a scratch index.

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
    # path -> blob id: the base has this blob there (the diffs' blobs on top of HEAD)
    _base_overrides: dict[str, str] = field(default_factory=dict)
    _placements: dict[int, dict[str, list[Placement | None]]] = field(default_factory=dict)
    _scratch: ScratchIndex | None = None
    _base_cache: dict[str, str | None] = field(default_factory=dict)
    _order: list[int] = field(default_factory=list)

    def base_text(self, path: str) -> str | None:
        """The file *path* in the base (None: not there)."""
        if path not in self._base_cache:
            self._base_cache[path] = self._read_blob(path)
        return self._base_cache[path]

    def _read_blob(self, path: str) -> str | None:
        if path in self._base_overrides:
            sha = self._base_overrides[path]
            return decode(cat_blobs(self.root, [sha])[sha])
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
        todo = [p for p in paths if p not in self._base_cache]
        if not todo:
            return
        listing = self.repo.git.ls_tree("-z", self.base_sha, "--", *todo)  # type: ignore[attr-defined]
        shas = {p: sha for p, sha in self._base_overrides.items() if p in todo}
        for entry in listing.split("\0"):
            if not entry:
                continue
            meta, _, path = entry.partition("\t")
            _mode, kind, sha = meta.split()
            if kind == "blob":
                shas.setdefault(path, sha)
        for path in todo:
            if path not in shas:
                self._base_cache[path] = None
        if not shas:
            return
        contents = cat_blobs(self.root, list(shas.values()))
        for path, sha in shas.items():
            self._base_cache[path] = decode(contents[sha])

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
        return self._grep("-w", word)

    def grep_extended(self, pattern: str) -> list[str]:
        """Files of the base tree with a line matching the extended regex *pattern*."""
        return self._grep("-E", pattern)

    def _grep(self, mode: str, pattern: str) -> list[str]:
        import git

        try:
            out = self.repo.git.grep(  # type: ignore[attr-defined]
                "-l", mode, "-I", "-e", pattern, self.base_sha, "--"
            )
        except git.GitCommandError as exc:
            if exc.status == 1:  # no match
                return []
            raise TreeError(f"{self.root}: git grep failed: {exc.stderr.strip()}") from exc
        prefix = self.base_sha + ":"
        return [
            line[len(prefix) :] if line.startswith(prefix) else line for line in out.splitlines()
        ]

    def placements(self, index: int, path: str) -> list[Placement | None]:
        """Where each hunk of patch *index* for the file *path* applied (None: not known)."""
        return self._placements.get(index, {}).get(path, [])

    def apply_series(self, series: Series) -> None:
        """Apply each patch with ``git apply`` on top of the previous ones; a patch
        git refuses is skipped (the next ones apply without it)."""
        paths = sorted(
            {
                p
                for patch in series.patches
                for fc in patch.files
                for p in (fc.path, fc.old_path)
                if p
            }
        )
        if self._scratch is None:
            self._scratch = ScratchIndex(self.root)
        scratch = self._scratch
        tree = scratch.load(self.base_sha, paths, self._base_overrides)
        for patch in series.patches:
            self._order.append(patch.index)
            self.states[patch.index] = {}
            if not patch.files:
                continue  # no diff: nothing for git to apply
            try:
                offsets = scratch.apply(patch.diff_text.encode("utf-8", errors="surrogateescape"))
            except ApplyFailed as exc:
                self._refused(patch, exc)
                continue
            new_tree = scratch.write_tree()
            changed = scratch.changes(tree, new_tree)
            contents = scratch.blobs([sha for sha in changed.values() if sha is not None])
            self.states[patch.index] = {
                path: None if sha is None else decode(contents[sha])
                for path, sha in changed.items()
            }
            self._placements[patch.index] = {
                fc.path: self._place(fc, offsets.get(fc.path, {}), patch.index)
                for fc in patch.files
                if not fc.is_binary
            }
            tree = new_tree

    def _refused(self, patch: Patch, exc: ApplyFailed) -> None:
        """A ``patch-does-not-apply`` finding per file git names, with the hunk."""
        self.failed[patch.index] = str(exc)
        by_path = {fc.path: fc for fc in patch.files} | {
            fc.old_path: fc for fc in patch.files if fc.old_path
        }
        for rejection in exc.rejections:
            fc = by_path.get(rejection.path or "")
            hunk_no, hunk = None, None
            if fc is not None and rejection.old_line is not None:
                hunk_no, hunk = next(
                    ((i, h) for i, h in enumerate(fc.hunks) if h.old_start == rejection.old_line),
                    (None, None),
                )
            where = rejection.path or "the patch"
            if hunk is not None and hunk_no is not None:
                where += (
                    f", hunk {hunk_no + 1} (@@ -{hunk.old_start},{hunk.old_length} "
                    f"+{hunk.new_start},{hunk.new_length} @@)"
                )
            self.findings.append(
                Finding(
                    check="patch-does-not-apply",
                    severity=Severity.WARNING,
                    message=f"{where} does not apply to {self.base_sha[:12]} "
                    f"(git apply: {rejection.reason}); this patch is analysed from the mail alone",
                    file=rejection.path,
                    line=hunk.new_start if hunk is not None else None,
                    patch=patch.index,
                )
            )

    def _place(self, fc: FileChange, offsets: dict[int, int], index: int) -> list[Placement | None]:
        """Each hunk's place in the old and new file, from the offsets git reported,
        checked against both texts (a hunk that cannot be found is None)."""
        old_text = None if fc.is_new else self.text(fc.old_path or fc.path, index - 1)
        new_text = None if fc.is_deleted else self.text(fc.path, index)
        old_lines = old_text.split("\n") if old_text is not None else []
        new_lines = new_text.split("\n") if new_text is not None else []
        out: list[Placement | None] = []
        for i, hunk in enumerate(fc.hunks):
            shift = offsets.get(i, 0)
            placed = Placement(hunk.old_start + shift, hunk.new_start + shift)
            fits = _fits(old_lines, placed.old_start, hunk.old_length, hunk.old_window) and _fits(
                new_lines, placed.new_start, hunk.new_length, hunk.new_window
            )
            out.append(placed if fits else None)
        return out

    def close(self) -> None:
        """Release the repository handle (GitPython keeps git processes) and the
        scratch index."""
        if self._scratch is not None:
            self._scratch.close()
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
        overrides[path] = str(obj.hexsha)
    return head.hexsha, "the blobs the diffs name, on top of HEAD", overrides


def open_tree(options: CheckOptions, series: Series) -> TreeView:
    """Open the git checkout ``options.tree`` and apply *series* to it out of sight.

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
