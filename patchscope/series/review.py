"""Anchoring a reviewer's comments to the lines of the patch they quote.

A reply quotes parts of the patch (``> +foo``, ``>  bar``, nested ``> >``)
and writes below them.  Each quoted diff line is matched back to the patch
by content, in order, within the file whose ``diff --git`` header was quoted
last; what the reviewer wrote is anchored to the last quoted diff line above
it.  Mail clients that turn tabs into spaces are why contents are compared
with whitespace normalised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from patchscope.core import DiffLine, FileChange, Message, Patch, ReviewComment
from patchscope.series.trailers import ends_own_text, parse_trailer

_HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")
_ATTRIBUTION_END = re.compile(r"(?:wrote|writes|said|schrieb|a écrit)\s*:\s*$", re.IGNORECASE)
# A greeting is the greeting word and at most a few names: "Hi Liam,",
# "Hello all".  "Hey, this is wrong" is not.
_GREETING = re.compile(
    r"^(?:[Hh]i|[Hh]ello|[Hh]ey|[Dd]ear|[Hh]allo|[Gg]ood [Mm]orning)"
    r"(?:\s+(?:all|everyone|folks|[A-Z][\w.'-]*)){0,3}\s*[,!.]?$"
)
# A sign-off is short: "Thanks,", "Cheers!", "Thanks again", "Regards, Rev".
# "Thanks for fixing this!" is a comment.
_SIGN_OFF = re.compile(
    r"^(?:thanks|thank you|thx|cheers|regards|best|best regards|kind regards|br|ta|"
    r"many thanks)(?:,?\s+[\w.'-]+)?\s*[,.!]?$",
    re.IGNORECASE,
)
_SNIP = re.compile(r"^(?:\[?\.\.\.\]?|<\.\.\.>|\[?snip(?:ped)?\]?|-+\s*8<.*)$", re.IGNORECASE)
_NAME_LINE = re.compile(r"^[A-Z][\w.'-]*(?:[ /][\w.'@-]+){0,3}$")


@dataclass
class _Anchor:
    file: FileChange
    line: DiffLine
    quoted: str


def _norm(text: str) -> str:
    return " ".join(text.split())


def _unquote(line: str) -> str | None:
    """The text after the quote markers, or None if *line* is not quoted."""
    s = line.lstrip()
    if not s.startswith(">"):
        return None
    while s.startswith(">"):
        s = s[1:]
        if s.startswith(" >"):
            s = s[1:]
    return s


class _FileIndex:
    """The diff lines of one file, flattened, with the start of each hunk."""

    def __init__(self, fc: FileChange) -> None:
        self.file = fc
        self.lines: list[DiffLine] = []
        self.keys: list[tuple[str, str]] = []
        self.hunk_starts: dict[tuple[int, int], int] = {}
        for hunk in fc.hunks:
            self.hunk_starts[(hunk.old_start, hunk.new_start)] = len(self.lines)
            for dl in hunk.lines:
                self.lines.append(dl)
                self.keys.append((dl.kind, _norm(dl.text)))

    def find(self, key: tuple[str, str], start: int) -> int | None:
        for i in range(start, len(self.keys)):
            if self.keys[i] == key:
                return i
        return None


class _Matcher:
    """Follows the quoted diff through a reply, remembering where it is."""

    def __init__(self, patch: Patch) -> None:
        self.files = [_FileIndex(fc) for fc in patch.files]
        self.current: _FileIndex | None = None
        self.cursor = 0
        self.in_diff = False

    def _file(self, path: str) -> _FileIndex | None:
        for fi in self.files:
            if path in (fi.file.path, fi.file.old_path):
                return fi
        return None

    def header(self, content: str) -> bool:
        """Follow a quoted diff header line; True if it was one."""
        text = content[1:] if content.startswith(" ") else content
        if text.startswith("diff --git "):
            path = text.rsplit(" b/", 1)[-1].strip()
            self.current, self.cursor, self.in_diff = self._file(path), 0, True
            return True
        if text.startswith("+++ ") or text.startswith("--- "):
            path = text[4:].split("\t", 1)[0].strip()
            if path.startswith(("a/", "b/")):
                found = self._file(path[2:])
                if found is not None and found is not self.current:
                    self.current, self.cursor = found, 0
                self.in_diff = True
                return True
            return text.startswith("+++ ") and path == "/dev/null"
        if m := _HUNK.match(text):
            self.in_diff = True
            key = (int(m.group(1)), int(m.group(2)))
            # The quoted file first; without one, the file that has this hunk.
            order = [self.current] if self.current is not None else []
            for fi in order + [f for f in self.files if f is not self.current]:
                start = fi.hunk_starts.get(key)
                if start is not None:
                    self.current, self.cursor = fi, start
                    break
            return True
        if text.startswith("index ") and self.in_diff:
            return True
        return False

    def match(self, content: str) -> _Anchor | None:
        """Match a quoted line to a diff line of the patch, if it is one."""
        candidates = []
        if content.startswith(" "):
            candidates.append(content[1:])
        candidates.append(content)
        for cand in candidates:
            if not cand:
                key = (" ", "")
            elif cand[0] in " +-":
                key = (cand[0], _norm(cand[1:]))
            else:
                continue
            if key[1] == "":
                # A blank line matches only where the quote is expected to be.
                if not self.in_diff or self.current is None:
                    return None
                if self.cursor < len(self.current.keys) and self.current.keys[self.cursor] == key:
                    return self._take(self.current, self.cursor, cand)
                return None
            if key[0] == " " and not self.in_diff:
                continue  # indented prose in a quoted commit message
            found = self._search(key)
            if found is not None:
                return self._take(found[0], found[1], cand)
        return None

    def _search(self, key: tuple[str, str]) -> tuple[_FileIndex, int] | None:
        if self.current is not None:
            for start in (self.cursor, 0):
                i = self.current.find(key, start)
                if i is not None:
                    return self.current, i
        for fi in self.files:
            if fi is self.current:
                continue
            i = fi.find(key, 0)
            if i is not None:
                return fi, i
        return None

    def _take(self, fi: _FileIndex, i: int, quoted: str) -> _Anchor:
        self.current, self.cursor = fi, i + 1
        return _Anchor(fi.file, fi.lines[i], quoted.rstrip())


def _is_prose(content: str) -> bool:
    text = content.strip()
    if not text or _SNIP.match(text):
        return False
    diff_shaped = content[:1] in ("+", "-") or content[:2] in ("  ", " +", " -", " \t")
    return not diff_shaped


def _is_own_name(line: str, author: str) -> bool:
    words = re.split(r"[\s/]+", line.strip())
    return (
        bool(_NAME_LINE.match(line.strip()))
        and len(words) <= 4
        and words[0].lower().strip(".,") in author.lower()
    )


def _clean(paragraphs: list[list[str]], *, last_block: bool, author: str) -> list[str]:
    """Drop attribution, greetings, sign-offs, trailers and a closing name."""
    kept: list[str] = []
    for n, para in enumerate(paragraphs):
        lines = [ln for ln in para if parse_trailer(ln) is None]
        if lines and _ATTRIBUTION_END.search(lines[-1]) and (
            lines[0].startswith("On ") or len(lines) <= 2
        ):
            lines = []
        if lines and _GREETING.match(lines[0].strip()):
            lines = lines[1:]
        while lines and _SIGN_OFF.match(lines[-1].strip()):
            lines = lines[:-1]
        if lines and len(lines) <= 2 and _SIGN_OFF.match(lines[0].strip()):
            lines = []  # "Thanks,\nName"
        is_last = last_block and n == len(paragraphs) - 1
        if is_last and len(lines) == 1 and _is_own_name(lines[0], author):
            lines = []
        if lines:
            kept.append("\n".join(lines))
    return kept


def _paragraphs(block: list[str]) -> list[list[str]]:
    paras: list[list[str]] = []
    current: list[str] = []
    for line in block:
        if line.strip():
            current.append(line.rstrip())
        elif current:
            paras.append(current)
            current = []
    if current:
        paras.append(current)
    return paras


def review_comments(reply: Message, patch: Patch) -> list[ReviewComment]:
    """The comments *reply* makes on *patch*, each anchored where it can be.

    A comment written below quoted diff lines gets the file and line of the
    last of them (new-side line; old side for a removed line).  Comments above
    any quoted diff line are general (file and line None).
    """
    matcher = _Matcher(patch)
    anchor: _Anchor | None = None
    blocks: list[tuple[_Anchor | None, list[str]]] = []
    block: list[str] = []
    block_anchor: _Anchor | None = None
    for line in reply.body.split("\n"):
        if ends_own_text(line):
            break  # the signature block, or an unquoted copy of the original
        content = _unquote(line)
        if content is None:
            if not block:
                block_anchor = anchor
            block.append(line)
            continue
        if block:
            blocks.append((block_anchor, block))
            block = []
        if matcher.header(content):
            continue
        found = matcher.match(content)
        if found is not None:
            anchor = found
        elif _is_prose(content):
            # Quoted prose (a commit message, another reviewer's words) ends
            # the quoted diff: what follows answers the prose, not a line.
            anchor = None
    if block:
        blocks.append((block_anchor, block))

    comments: list[ReviewComment] = []
    for n, (where, lines) in enumerate(blocks):
        paras = _clean(
            _paragraphs(lines), last_block=n == len(blocks) - 1, author=reply.author
        )
        if not paras:
            continue
        text = "\n\n".join(paras)
        if where is None:
            comments.append(
                ReviewComment(
                    author=reply.author,
                    text=text,
                    file=None,
                    line=None,
                    message_id=reply.message_id or None,
                )
            )
            continue
        old_side = where.line.kind == "-"
        comments.append(
            ReviewComment(
                author=reply.author,
                text=text,
                file=where.file.path,
                line=where.line.old_lineno if old_side else where.line.new_lineno,
                side="old" if old_side else "new",
                message_id=reply.message_id or None,
                quoted=where.quoted,
            )
        )
    return comments
