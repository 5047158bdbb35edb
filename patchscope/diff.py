"""The diff of one patch: files, hunks, and their old and new text windows.

unidiff trusts the counts in hunk headers and drops or swallows the lines
that disagree with them, so each diff is first walked here: the counts are
checked, the diff is cut where the mail's signature starts, and only then is
it handed to unidiff.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import unidiff

from patchscope.core import DiffLine, FileChange, Finding, Hunk, Severity
from patchscope.errors import DiffError

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$")
_INDEX = re.compile(r"^index ([0-9a-f]+)\.\.([0-9a-f]+)")
_FILE_HEADER_PREFIXES = (
    "diff --git ",
    "diff --cc ",
    "index ",
    "new file mode ",
    "deleted file mode ",
    "old mode ",
    "new mode ",
    "similarity index ",
    "dissimilarity index ",
    "rename from ",
    "rename to ",
    "copy from ",
    "copy to ",
    "Binary files ",
    "GIT binary patch",
)


@dataclass
class PatchParts:
    """A patch mail's body cut into its three parts."""

    commit_message: str  # above the "---" line
    notes: str  # between "---" and the diff: changelog, diffstat
    diff_text: str  # from the first "diff --git" (or "--- a/") line to the end


def _diff_start(lines: list[str], begin: int) -> int | None:
    for i in range(begin, len(lines)):
        line = lines[i]
        if line.startswith("diff --git ") or line.startswith("Index: "):
            return i
        if (
            line.startswith("--- ")
            and i + 1 < len(lines)
            and lines[i + 1].startswith("+++ ")
            and i + 2 < len(lines)
            and lines[i + 2].startswith("@@ ")
        ):
            return i
    return None


def split_patch_body(body: str) -> PatchParts | None:
    """Cut a mail body into commit message, notes and diff; None if no diff."""
    lines = body.split("\n")
    start = _diff_start(lines, 0)
    if start is None:
        return None
    separator = next((i for i in range(start) if lines[i].rstrip() == "---"), None)
    if separator is None:
        message, notes = lines[:start], []
    else:
        message, notes = lines[:separator], lines[separator + 1 : start]
    return PatchParts(
        commit_message="\n".join(message).strip("\n") + "\n",
        notes="\n".join(notes).strip("\n"),
        diff_text="\n".join(lines[start:]),
    )


def _checked_lines(diff_text: str) -> tuple[list[str], list[int]]:
    """The lines of *diff_text* that make up the diff, with their 1-based positions.

    Raises DiffError when a hunk's lines do not add up to its header's counts.
    """
    lines = diff_text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final newline does not start another line
    kept: list[str] = []
    positions: list[int] = []
    current_file = "?"
    old_left = new_left = 0
    header = ""
    in_binary = False
    i = 0
    while i < len(lines):
        line = lines[i]
        pos = i + 1
        i += 1
        if old_left > 0 or new_left > 0:
            kind = line[:1]
            if kind in (" ", "") and old_left > 0 and new_left > 0:
                old_left -= 1
                new_left -= 1
                line = line or " "
            elif kind == "-" and old_left > 0:
                old_left -= 1
            elif kind == "+" and new_left > 0:
                new_left -= 1
            elif kind == "\\":
                pass
            else:
                raise DiffError(
                    f"{current_file}: hunk '{header}' is short of its counted lines "
                    f"(line {pos} of the diff: {line[:40]!r})"
                )
            kept.append(line)
            positions.append(pos)
            continue
        if line in ("-- ", "--") or line.startswith("base-commit: "):
            break  # the mail's signature or format-patch's base info
        if line == "---" and not (i < len(lines) and lines[i].startswith("+++ ")):
            break  # b4 closes the diff with "---" before base-commit and change-id
        if in_binary:
            if line.strip():
                continue
            in_binary = False
            continue
        if line.startswith("\\"):
            kept.append(line)
            positions.append(pos)
            continue
        if m := _HUNK.match(line):
            old_left = int(m.group(2)) if m.group(2) is not None else 1
            new_left = int(m.group(4)) if m.group(4) is not None else 1
            header = line.split(" @@", 1)[0] + " @@"
        elif line.startswith("diff --git "):
            current_file = line.rsplit(" b/", 1)[-1] if " b/" in line else line[11:]
        elif line.startswith("GIT binary patch"):
            in_binary = True
        elif line.startswith("--- ") and i < len(lines) and lines[i].startswith("+++ "):
            pass
        elif line.startswith("+++ "):
            target = line[4:].split("\t", 1)[0]
            current_file = target[2:] if target.startswith("b/") else target
        elif line.startswith(_FILE_HEADER_PREFIXES) or line.startswith("Index: "):
            pass
        elif line[:1] in ("+", "-", " ") and line.strip():
            raise DiffError(
                f"{current_file}: hunk '{header}' has more lines than its header counts "
                f"(line {pos} of the diff: {line[:40]!r})"
            )
        else:
            continue  # garbage between file diffs, as git apply skips it
        kept.append(line)
        positions.append(pos)
    if old_left > 0 or new_left > 0:
        raise DiffError(
            f"{current_file}: hunk '{header}' ends early: {old_left} old and "
            f"{new_left} new lines missing"
        )
    return kept, positions


_OCTAL = re.compile(r"[0-7]{3}")
_C_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


def _unquote_path(path: str) -> str:
    """git's C-style quoting of unusual names: ``"a/caf\\303\\251.c"`` -> ``a/café.c``."""
    if len(path) < 2 or not (path.startswith('"') and path.endswith('"')):
        return path
    out = bytearray()
    body = path[1:-1]
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if _OCTAL.fullmatch(body[i + 1 : i + 4]):
                out.append(int(body[i + 1 : i + 4], 8) & 0xFF)
                i += 4
                continue
            out.append(_C_ESCAPES.get(nxt, ord(nxt) if ord(nxt) < 128 else 63))
            i += 2
            continue
        out.extend(ch.encode("utf-8"))
        i += 1
    return out.decode("utf-8", errors="replace")


def _strip_prefix(path: str | None) -> str | None:
    if path is None or path == "/dev/null":
        return None
    if path.startswith('"'):
        path = _unquote_path(path[: path.rindex('"') + 1])
    else:
        path = path.split("\t", 1)[0]
    if path.startswith(("a/", "b/")):
        return path[2:]
    return path


def unsafe_path(path: str) -> bool:
    """A path that would leave the tree: absolute, or with a ``..`` component."""
    return path.startswith("/") or ".." in path.replace("\\", "/").split("/")


def parse_diff(diff_text: str, *, patch_index: int | None = None) -> tuple[
    list[FileChange], list[Finding]
]:
    """Parse one patch's diff into FileChanges; findings for unsafe paths.

    Raises DiffError when the diff is malformed.  A file whose path would
    leave the tree is reported and left out, so later stages never open it.
    """
    kept, positions = _checked_lines(diff_text)
    if not kept:
        raise DiffError("no diff found")
    try:
        patch_set = unidiff.PatchSet("\n".join(kept) + "\n")
    except unidiff.UnidiffParseError as err:
        raise DiffError(" ".join(str(err).split())) from None
    files: list[FileChange] = []
    findings: list[Finding] = []
    for pf in patch_set:
        old_path = _strip_prefix(pf.source_file)
        new_path = _strip_prefix(pf.target_file)
        path = new_path or old_path or pf.path
        bad = [p for p in {path, old_path} if p and unsafe_path(p)]
        if bad:
            findings.append(
                Finding(
                    check="diff-unsafe-path",
                    severity=Severity.ERROR,
                    message=f"diff names a path outside the tree: {sorted(bad)[0]!r}; "
                    "the file is not read",
                    file=None,
                    line=None,
                    patch=patch_index,
                )
            )
            continue
        hunks: list[Hunk] = []
        for ph in pf:
            dlines = [
                DiffLine(
                    kind=dl.line_type,
                    text=dl.value.rstrip("\n"),
                    old_lineno=dl.source_line_no,
                    new_lineno=dl.target_line_no,
                    position=positions[(dl.diff_line_no or 1) - 1],
                )
                for dl in ph
                if dl.line_type in (" ", "+", "-")
            ]
            hunks.append(
                Hunk(
                    old_start=ph.source_start,
                    old_length=ph.source_length,
                    new_start=ph.target_start,
                    new_length=ph.target_length,
                    section=ph.section_header.strip(),
                    lines=dlines,
                )
            )
        old_blob = new_blob = None
        for info in pf.patch_info or []:
            if im := _INDEX.match(str(info)):
                old_blob, new_blob = im.group(1), im.group(2)
        files.append(
            FileChange(
                path=path,
                old_path=old_path,
                added=sum(1 for h in hunks for dl in h.lines if dl.kind == "+"),
                removed=sum(1 for h in hunks for dl in h.lines if dl.kind == "-"),
                is_new=pf.is_added_file,
                is_deleted=pf.is_removed_file,
                is_rename=pf.is_rename or (old_path is not None and old_path != path),
                is_binary=pf.is_binary_file,
                old_blob=old_blob,
                new_blob=new_blob,
                hunks=hunks,
            )
        )
    return files, findings
