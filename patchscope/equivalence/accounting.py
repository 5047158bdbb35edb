"""Whole-patch accounting: what accounts for each changed line of a patch.

A verdict per call site says nothing about the lines around the calls, nor
about other functions the patch touches.  Here every added and removed line of
every hunk must be accounted for: the parameter list of a changed signature,
a body the substitution proof compared, the argument text of a decided call,
or nothing but comments and layout.  The method is excision: in each hunk the
token ranges that a proof covers are cut out of the old and the new window
(each pair replaced by one placeholder), and what is left must be the same
token sequence on both sides.  A token left over on either side is changed
code no proof saw; its line is unaccounted, and the patch cannot be proved.

Regions come only from what the engines really compared: a body's spans
(:attr:`Declaration.old_spans`), a call whose old and new argument text
equals a decided call site's, a declarator whose parameters equal a changed
declaration's.  Anything else stays in the comparison.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from patchscope.clang import Token, blank_cut_comment
from patchscope.clex import spellings, tokenize
from patchscope.core import (
    VERDICT_RANK,
    CallSite,
    Declaration,
    DiffLine,
    FileChange,
    Hunk,
    LineAccount,
    Patch,
    SignatureChange,
    VerdictKind,
)
from patchscope.equivalence.refactor import ShapeProof

C_SUFFIXES = (".c", ".h")
PROSE_SUFFIXES = (".rst", ".txt", ".md")
# a hunk larger than this is not compared token by token: it stays unaccounted
MAX_TOKENS = 40_000
# old x new tokens a hunk's comparison may take (SequenceMatcher is O(n*m))
MAX_COMPARED = 4_000_000
# keywords before `name (` that make it a call, not a declarator
_NOT_A_TYPE = {"return", "sizeof", "case", "else", "do", "goto", "typeof", "__typeof__",
               "_Alignof", "alignof"}
# a line of comment prose in kernel style: " * text", " *", " */"
_PROSE_LINE = re.compile(r"^\s*(\*(\s|/|$)|$)")


@dataclass
class _Region:
    key: str  # pairs an old region with a new one
    start: int  # token index, inclusive
    end: int  # token index, inclusive
    kind: str  # "signature" | "body" | "call" | "refactor"
    label: str
    verdict: VerdictKind | None
    # code one side alone has (a helper's new definition, or what a proved
    # call's proof read): cut out, not paired
    lone: bool = False
    note: str | None = None  # what that proof assumed reading it


@dataclass
class _Window:
    """One side of a hunk (or of a tree window), lexed: its tokens and their lines."""

    lines: list[str]
    first: int  # file line of lines[0]: the diff's numbers (mbox), the tree's (tree)
    at: int  # file line of lines[0] in the coordinates of body spans
    tokens: list[Token] = field(default_factory=list)
    assumed: str | None = None  # an assumption made lexing it

    def line_of(self, tok: Token) -> int:
        return self.first + tok.line - 1

    def pos(self, tok: Token) -> tuple[int, int]:
        """Where *tok* stands in span coordinates."""
        return self.at + tok.line - 1, tok.column


def _lex(lines: list[str], first: int, at: int) -> _Window:
    win = _Window(lines, first, at)
    if not lines:
        return win
    text = "\n".join(lines) + "\n"
    blanked = blank_cut_comment(text)
    if blanked != text:
        # the window seems to start inside a comment: believe it only if what
        # would be blanked reads as kernel comment prose (" * ..." lines)
        close = text.find("*/")
        head = text[:close].split("\n")
        if all(_PROSE_LINE.match(h) for h in head[:-1]) and _PROSE_LINE.match(head[-1] + "*/"):
            text = blanked
            win.assumed = ("a hunk that starts with ` * ` lines ending in `*/` starts inside "
                           "a comment")
    elif "/*" not in text and "*/" not in text and all(_PROSE_LINE.match(x) for x in lines):
        # every line is " * prose": the middle of a comment the hunk cuts out
        win.assumed = "a hunk of only ` * ` lines lies inside a comment"
        return win
    win.tokens = tokenize(text)
    return win


def _matching(tokens: list[Token], k: int) -> int | None:
    depth = 0
    for j in range(k, len(tokens)):
        s = tokens[j].spelling
        if s == "(":
            depth += 1
        elif s == ")":
            depth -= 1
            if depth == 0:
                return j
    return None


def _spellings(text: str) -> tuple[str, ...]:
    return tuple(t.spelling for t in tokenize(text))


def _is_declarator(tokens: list[Token], k: int, close: int) -> bool:
    prev = tokens[k - 1] if k > 0 else None
    if prev is None:
        return False
    if prev.spelling == "*":
        before = tokens[k - 2] if k > 1 else None
        if before is None or (before.kind not in ("IDENTIFIER", "KEYWORD")
                              and before.spelling != "*"):
            return False
    elif prev.kind not in ("IDENTIFIER", "KEYWORD") or prev.spelling in _NOT_A_TYPE:
        return False
    after = tokens[close + 1] if close + 1 < len(tokens) else None
    return after is None or after.spelling in ("{", ";") or after.kind in ("IDENTIFIER",
                                                                           "KEYWORD")


def _occurrences(tokens: list[Token], name: str) -> Iterable[tuple[int, int, bool]]:
    """(name index, closing paren index, is a declarator) of each ``name (``."""
    for k, t in enumerate(tokens):
        if t.spelling != name or t.kind != "IDENTIFIER":
            continue
        if k + 1 >= len(tokens) or tokens[k + 1].spelling != "(":
            continue
        close = _matching(tokens, k + 1)
        if close is None:
            continue  # the call runs past the window
        yield k, close, _is_declarator(tokens, k, close)


def _params_spelling(params: list) -> tuple[str, ...]:
    if not params:
        return ("void",)
    return _spellings(", ".join(f"{p.type} {p.name}".strip() for p in params))


def _worst(verdicts: Iterable[VerdictKind | None]) -> VerdictKind | None:
    ranked = [v for v in verdicts if v is not None and v in VERDICT_RANK]
    if not ranked:
        return None
    return min(ranked, key=lambda v: VERDICT_RANK[v])


@dataclass
class _Owners:
    """What the patch decided, to hang regions on."""

    changes: list[SignatureChange]
    calls: list[CallSite]
    shapes: list[ShapeProof] = field(default_factory=list)  # proved refactor shapes

    def change_verdict(self, change: SignatureChange) -> VerdictKind | None:
        parts = [d.body_verdict.kind for d in change.declarations
                 if d.kind == "definition" and d.body_verdict is not None]
        if change.body_verdict is not None:
            parts.append(change.body_verdict.kind)
        parts += [c.verdict.kind if c.verdict else VerdictKind.UNKNOWN
                  for c in self.calls if c.function == change.function]
        return _worst(parts)


def _signature_regions(win: _Window, side: str, path: str, owners: _Owners) -> list[_Region]:
    out = []
    for change in owners.changes:
        wanted = {_params_spelling(d.old_params if side == "old" else d.new_params)
                  for d in change.declarations if d.file == path}
        for n, (k, close, decl) in enumerate(_occurrences(win.tokens, change.function)):
            if not decl:
                continue
            inner = tuple(t.spelling for t in win.tokens[k + 2 : close])
            if inner in wanted:
                out.append(_Region(f"sig:{change.function}:{n}", k + 1, close, "signature",
                                   f"the signature change of {change.function}()",
                                   owners.change_verdict(change)))
    return out


def _head_regions(win: _Window, side: str, path: str, owners: _Owners) -> list[_Region]:
    """The whole head of each declaration a signature change holds (return type,
    attributes, name and parameters, as csource read it): what changes there
    besides the parameters (an attribute, the return type) is the change's too,
    and proved only when the change is (``unproved_interface`` keeps it not)."""
    out = []
    for change in owners.changes:
        for n, d in enumerate(change.declarations):
            span = d.old_head if side == "old" else d.new_head
            if d.file != path or span is None:
                continue
            inside = [i for i, t in enumerate(win.tokens) if _in_span(win.pos(t), span)]
            if inside:
                out.append(_Region(f"head:{change.function}:{n}", inside[0], inside[-1],
                                   "signature", f"the signature change of {change.function}()",
                                   owners.change_verdict(change)))
    return out


def _call_regions(old: _Window, new: _Window, path: str, owners: _Owners
                  ) -> tuple[list[_Region], list[_Region]]:
    old_out: list[_Region] = []
    new_out: list[_Region] = []
    names = [c.function for c in owners.changes]
    # a changed call of an unchanged callee (:mod:`.passon`) counts only when proved
    passed = [c for c in owners.calls if c.function not in names and c.verdict is not None
              and c.verdict.kind is VerdictKind.PROVED]
    for name in dict.fromkeys([*names, *(c.function for c in passed)]):
        olds = [(k, c) for k, c, d in _occurrences(old.tokens, name) if not d]
        news = [(k, c) for k, c, d in _occurrences(new.tokens, name) if not d]
        if len(olds) != len(news):
            continue  # a call added or removed: nothing pairs them
        for n, ((ko, co), (kn, cn)) in enumerate(zip(olds, news, strict=True)):
            o = tuple(t.spelling for t in old.tokens[ko + 2 : co])
            w = tuple(t.spelling for t in new.tokens[kn + 2 : cn])
            if o == w:
                continue
            sites = [c for c in (owners.calls if name in names else passed)
                     if c.function == name and c.file == path
                     and c.old_args is not None and c.new_args is not None
                     and _spellings(", ".join(a.text for a in c.old_args)) == o
                     and _spellings(", ".join(a.text for a in c.new_args)) == w]
            if not sites:
                continue
            callers = ", ".join(dict.fromkeys(f"{c.caller}()" for c in sites))
            verdict = _worst(c.verdict.kind if c.verdict else VerdictKind.UNKNOWN
                             for c in sites)
            label = f"the call of {name}() in {callers}"
            key = f"call:{name}:{n}"
            old_out.append(_Region(key, ko, co, "call", label, verdict))
            new_out.append(_Region(key, kn, cn, "call", label, verdict))
    return old_out, new_out


def _support_regions(win: _Window, side: str, path: str, owners: _Owners,
                     taken: list[_Region]) -> list[_Region]:
    """The statements and definitions a proved call's proof read that this side
    alone has (:attr:`CallSite.support`), each where its tokens stand, once."""
    out: list[_Region] = []
    used = [(r.start, r.end) for r in taken]
    spells = [t.spelling for t in win.tokens]
    for n, c in enumerate(owners.calls):
        if c.verdict is None or c.verdict.kind is not VerdictKind.PROVED:
            continue
        for m, s in enumerate(x for x in c.support if x.file == path and x.side == side):
            size = len(s.spellings)
            for k in range(len(spells) - size + 1):
                end = k + size - 1
                if tuple(spells[k:k + size]) != s.spellings or any(
                        a <= end and k <= b for a, b in used):
                    continue
                used.append((k, end))
                out.append(_Region(f"support:{n}:{m}", k, end, "call", s.label,
                                   VerdictKind.PROVED, lone=True, note=s.note))
                break
    return out


def _in_span(pos: tuple[int, int], span: tuple[int, int, int, int]) -> bool:
    return (span[0], span[1]) <= pos < (span[2], span[3])


def _body_regions(win: _Window, side: str, path: str, owners: _Owners) -> list[_Region]:
    out = []
    for change in owners.changes:
        for n, d in enumerate(change.declarations):
            if d.kind != "definition" or d.file != path:
                continue
            spans = d.old_spans if side == "old" else d.new_spans
            for m, span in enumerate(spans):
                inside = [i for i, t in enumerate(win.tokens) if _in_span(win.pos(t), span)]
                if inside:
                    out.append(_Region(f"body:{change.function}:{n}:{m}", inside[0],
                                       inside[-1], "body",
                                       f"the body of {change.function}() in {d.file}",
                                       _decl_verdict(d, change)))
    return out


def _shape_regions(win: _Window, side: str, path: str, owners: _Owners) -> list[_Region]:
    """The ranges a proved refactor shape compared (:mod:`.refactor`), each only
    where this window shows exactly the tokens the proof saw there."""
    out = []
    for proof in owners.shapes:
        for r in proof.regions:
            span = r.old if side == "old" else r.new
            want = r.old_spellings if side == "old" else r.new_spellings
            if r.file != path or span is None:
                continue
            inside = [i for i, t in enumerate(win.tokens) if _in_span(win.pos(t), span)]
            if inside and inside == list(range(inside[0], inside[-1] + 1)) and tuple(
                    win.tokens[i].spelling for i in inside) == want:
                out.append(_Region(r.key, inside[0], inside[-1], "refactor", proof.label,
                                   VerdictKind.PROVED, (r.new if side == "old" else r.old)
                                   is None))
    return out


def _decl_verdict(d: Declaration, change: SignatureChange) -> VerdictKind | None:
    if d.body_verdict is not None:
        return d.body_verdict.kind
    return change.body_verdict.kind if change.body_verdict is not None else None


def _outermost(regions: list[_Region]) -> list[_Region]:
    regions = sorted(regions, key=lambda r: (r.start, -r.end))
    out: list[_Region] = []
    for r in regions:
        if out and r.start <= out[-1].end:
            continue  # inside (or overlapping) the one before: that one covers it
        out.append(r)
    return out


def _paired(old: list[_Region], new: list[_Region]) -> tuple[list[_Region], list[_Region]]:
    """Keep only regions present on both sides, outermost, until stable."""
    while True:
        o, n = _outermost(old), _outermost(new)
        common = {r.key for r in o} & {r.key for r in n}
        o2 = [r for r in o if r.key in common]
        n2 = [r for r in n if r.key in common]
        if len(o2) == len(old) and len(n2) == len(new):
            return o2, n2
        old, new = o2, n2


def _with_alone(paired: list[_Region], alone: list[_Region]) -> list[_Region]:
    """*paired* and the one-sided regions that overlap none of them nor each other."""
    out = list(paired)
    for r in sorted(alone, key=lambda r: r.start):
        if all(r.end < o.start or o.end < r.start for o in out):
            out.append(r)
    return sorted(out, key=lambda r: r.start)


def _reduced(tokens: list[Token], regions: list[_Region]) -> tuple[list[str], list[int]]:
    """The token spellings with each region replaced by its placeholder, and for
    each item the index of its first token."""
    items: list[str] = []
    index: list[int] = []
    starts = {r.start: r for r in regions}
    i = 0
    while i < len(tokens):
        r = starts.get(i)
        if r is not None and r.lone:
            i = r.end + 1  # cut out, nothing in its place: the other side has none
            continue
        if r is not None:
            items.append("\0" + r.key)
            index.append(i)
            i = r.end + 1
            continue
        items.append(tokens[i].spelling)
        index.append(i)
        i += 1
    return items, index


def _unequal(old: list[str], new: list[str]) -> tuple[set[int], set[int]]:
    """Positions of the items of *old* and *new* that a diff of the two does not pair."""
    if old == new:
        return set(), set()
    # the common head and tail are equal as they stand: diff only the middle
    head = 0
    end = min(len(old), len(new))
    while head < end and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < end - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    if (len(old) - head - tail) * (len(new) - head - tail) > MAX_COMPARED:
        # SequenceMatcher is O(n*m) at worst: past the bound the middle is all
        # unequal, so its lines stay unaccounted (unknown), never proved
        return set(range(head, len(old) - tail)), set(range(head, len(new) - tail))
    old_bad: set[int] = set()
    new_bad: set[int] = set()
    matcher = SequenceMatcher(None, old[head:len(old) - tail], new[head:len(new) - tail],
                              autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            old_bad.update(range(head + i1, head + i2))
            new_bad.update(range(head + j1, head + j2))
    return old_bad, new_bad


def _token_status(win: _Window, regions: list[_Region], items: list[str], index: list[int],
                  unequal: set[int]) -> list[object]:
    """Per token: a region (accounted by it), "equal" (layout), or None (unaccounted)."""
    status: list[object] = ["equal"] * len(win.tokens)
    by_start = {r.start: r for r in regions}
    for j, first in enumerate(index):
        r = by_start.get(first) if items[j].startswith("\0") else None
        span = range(first, (r.end if r else first) + 1)
        for t in span:
            status[t] = None if j in unequal else (r if r is not None else "equal")
    for r in regions:
        if r.lone:
            status[r.start:r.end + 1] = [r] * (r.end + 1 - r.start)
    return status


_Judged = tuple[str, str | None, VerdictKind | None, str | None]  # kind, by, verdict, note


def _judge(path: str, old: _Window, new: _Window, owners: _Owners
           ) -> tuple[dict[tuple[str, int], _Judged], list[tuple[str, int, str]]]:
    """What accounts for each line of a window pair that holds a token, by
    (side, line); and every (side, line, text) holding a token nothing accounts for."""
    if len(old.tokens) + len(new.tokens) > MAX_TOKENS:
        why = f"the change has more than {MAX_TOKENS} tokens; it is not compared"
        bad = {(side, win.line_of(t)): win for side, win in (("old", old), ("new", new))
               for t in win.tokens}
        return ({k: ("unaccounted", None, None, why) for k in bad},
                [(side, line, _text(win, line)) for (side, line), win in bad.items()])
    old_r = (_signature_regions(old, "old", path, owners) + _head_regions(old, "old", path, owners)
             + _body_regions(old, "old", path, owners) + _shape_regions(old, "old", path, owners))
    new_r = (_signature_regions(new, "new", path, owners) + _head_regions(new, "new", path, owners)
             + _body_regions(new, "new", path, owners) + _shape_regions(new, "new", path, owners))
    co, cn = _call_regions(old, new, path, owners)
    old_lone = [r for r in old_r if r.lone]
    new_lone = [r for r in new_r if r.lone]
    old_r, new_r = _paired([r for r in old_r if not r.lone] + co,
                           [r for r in new_r if not r.lone] + cn)
    old_r, new_r = _with_alone(old_r, old_lone), _with_alone(new_r, new_lone)
    old_r += _support_regions(old, "old", path, owners, old_r)
    new_r += _support_regions(new, "new", path, owners, new_r)
    old_items, old_index = _reduced(old.tokens, old_r)
    new_items, new_index = _reduced(new.tokens, new_r)
    old_bad, new_bad = _unequal(old_items, new_items)
    statuses = {
        "old": (old, _token_status(old, old_r, old_items, old_index, old_bad)),
        "new": (new, _token_status(new, new_r, new_items, new_index, new_bad)),
    }
    per_line: dict[tuple[str, int], list[object]] = {}
    for side, (win, status) in statuses.items():
        for tok, st in zip(win.tokens, status, strict=True):
            per_line.setdefault((side, win.line_of(tok)), []).append(st)
    judged: dict[tuple[str, int], _Judged] = {}
    unpaired = []
    for key, sts in per_line.items():
        if any(s is None for s in sts):
            judged[key] = ("unaccounted", None, None, "changed code that no proof covers")
            win = old if key[0] == "old" else new
            unpaired.append((key[0], key[1], _text(win, key[1])))
            continue
        region = next((s for s in sts if isinstance(s, _Region)), None)
        if isinstance(region, _Region):
            judged[key] = (region.kind, region.label, region.verdict, region.note)
        else:
            judged[key] = ("layout", "comments and layout", VerdictKind.PROVED, None)
    return judged, unpaired


def _text(win: _Window, line: int) -> str:
    i = line - win.first
    return win.lines[i] if 0 <= i < len(win.lines) else ""


def _layout(win: _Window) -> _Judged:
    return ("layout", "comments and layout", VerdictKind.PROVED, win.assumed)


def _no_region_here(path: str, hunk: Hunk, owners: _Owners) -> bool:
    """Whether no proof can cover any part of *hunk*: no changed function is named
    in it, and no definition the proofs compared lies in its file."""
    text = "\n".join(dl.text for dl in hunk.lines)
    for change in owners.changes:
        if change.function in text:
            return False
        if any(d.file == path for d in change.declarations):
            return False
    if any(r.file == path for p in owners.shapes for r in p.regions):
        return False
    for call in owners.calls:  # a passed-on call (:mod:`.passon`) of an unchanged callee
        if call.file == path and call.function in text:
            return False
        if any(s.file == path for s in call.support):
            return False
    return True


# what a line may hold without reaching into the next: literals, closed comments
_LOCAL = re.compile(r""""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|/\*.*?\*/|//.*$""")


def _lines_independent(hunk: Hunk) -> bool:
    """Whether each line lexes alone as it lexes in its window: no comment, literal
    or line splice crosses a line."""
    for dl in hunk.lines:
        text = dl.text
        if "/" not in text and '"' not in text and "'" not in text and "\\" not in text:
            continue  # nothing in it could reach another line
        rest = _LOCAL.sub(" ", text)
        if "/*" in rest or "*/" in rest or '"' in rest or "'" in rest or rest.endswith("\\"):
            return False
    return True


def _account_groups(path: str, hunk: Hunk) -> list[LineAccount]:
    """The accounting of a hunk no proof can touch, from its changed lines alone.

    Context lines are the same on both sides and every line lexes alone, so
    the windows' tokens differ only where a run of removed lines and the run
    of added lines beside it do: each run is compared by itself.
    """
    out: list[LineAccount] = []
    run: list[DiffLine] = []
    for dl in [*hunk.lines, None]:
        if dl is not None and dl.kind in "+-":
            run.append(dl)
            continue
        if run:
            olds = [x for x in run if x.kind == "-"]
            news = [x for x in run if x.kind == "+"]
            old_t = [(olds[n - 1], sp) for n, sp in spellings("\n".join(x.text for x in olds))]
            new_t = [(news[n - 1], sp) for n, sp in spellings("\n".join(x.text for x in news))]
            old_bad, new_bad = _unequal([s for _, s in old_t], [s for _, s in new_t])
            bad = {id(old_t[i][0]) for i in old_bad} | {id(new_t[i][0]) for i in new_bad}
            for x in run:
                if id(x) in bad:
                    out.append(_line(path, x, "unaccounted", None, None,
                                     "changed code that no proof covers"))
                else:
                    out.append(_line(path, x, "layout", "comments and layout",
                                     VerdictKind.PROVED, None))
            run = []
    return out


def _account_hunk(path: str, hunk: Hunk, owners: _Owners) -> list[LineAccount]:
    """Mbox mode: the hunk's own windows, numbered as the diff numbers them."""
    if _no_region_here(path, hunk, owners) and _lines_independent(hunk):
        return _account_groups(path, hunk)
    old_first = hunk.old_start if hunk.old_length else hunk.old_start + 1
    new_first = hunk.new_start if hunk.new_length else hunk.new_start + 1
    old = _lex(hunk.old_window, old_first, old_first)
    new = _lex(hunk.new_window, new_first, new_first)
    judged, unpaired = _judge(path, old, new, owners)
    out = []
    seen = set()
    for dl in hunk.lines:
        if dl.kind not in "+-":
            continue
        side = "old" if dl.kind == "-" else "new"
        number = (dl.old_lineno if side == "old" else dl.new_lineno) or 0
        seen.add((side, number))
        j = judged.get((side, number)) or _layout(old if side == "old" else new)
        out.append(LineAccount(path, side, number, dl.text, *j))
    out += _strays(path, unpaired, seen, lambda side, line: line)
    return out


def _strays(path: str, unpaired: list[tuple[str, int, str]], seen: set[tuple[str, int]],
            to_diff: Callable[[str, int], int]) -> list[LineAccount]:
    """Unaccounted tokens on lines the diff shows as context: the comparison
    paired the two sides differently from the diff; nothing accounts for them."""
    out = []
    for side, line, text in unpaired:
        number = to_diff(side, line)
        if (side, number) not in seen:
            seen.add((side, number))
            out.append(LineAccount(path, side, number, text, "unaccounted", None, None,
                                   "a change the comparison could not pair with the diff's"))
    return out


def _account_tree(fc: FileChange, owners: _Owners) -> list[LineAccount]:
    """Tree mode: the whole files' changes with wide context, in the tree's lines;
    each account numbered as the diff numbers the line."""
    path = fc.path
    to_tree: dict[tuple[str, int], int] = {}
    from_tree: dict[tuple[str, int], int] = {}
    for h in fc.hunks:
        for dl in h.lines:
            for side, n, start, at in (("old", dl.old_lineno, h.old_start, h.tree_old_start),
                                       ("new", dl.new_lineno, h.new_start, h.tree_new_start)):
                if n is not None and at is not None:
                    to_tree[(side, n)] = n - start + at
                    from_tree[(side, n - start + at)] = n
    judged: dict[tuple[str, int], _Judged] = {}
    unpaired: list[tuple[str, int, str]] = []
    windows: list[tuple[str, int, int, _Window]] = []
    for w in fc.tree_windows:
        old = _lex(w.old_lines, w.old_first, w.old_first)
        new = _lex(w.new_lines, w.new_first, w.new_first)
        found, stray = _judge(path, old, new, owners)
        judged.update(found)
        unpaired += stray
        windows += [("old", w.old_first, w.old_first + len(w.old_lines), old),
                    ("new", w.new_first, w.new_first + len(w.new_lines), new)]
    out = []
    seen = set()
    for h in fc.hunks:
        for dl in h.lines:
            if dl.kind not in "+-":
                continue
            side = "old" if dl.kind == "-" else "new"
            number = (dl.old_lineno if side == "old" else dl.new_lineno) or 0
            seen.add((side, number))
            line = to_tree.get((side, number))
            if line is None:
                out.append(LineAccount(path, side, number, dl.text, "unaccounted", None, None,
                                       "the hunk was not found in the tree"))
                continue
            j = judged.get((side, line))
            if j is None:
                win = next((x for s, a, b, x in windows if s == side and a <= line < b), None)
                j = _layout(win) if win is not None else (
                    "layout", "comments and layout", VerdictKind.PROVED,
                    "the tree's files are equal at this line")
            out.append(LineAccount(path, side, number, dl.text, *j))
    out += _strays(path, unpaired, seen, lambda side, line: from_tree.get((side, line), line))
    return out


def _line(path: str, dl: DiffLine, kind: str, by: str | None, verdict: VerdictKind | None,
          note: str | None) -> LineAccount:
    side = "old" if dl.kind == "-" else "new"
    return LineAccount(path, side, (dl.old_lineno if side == "old" else dl.new_lineno) or 0,
                       dl.text, kind, by, verdict, note)


def _account_file(fc: FileChange, owners: _Owners, tree: bool) -> list[LineAccount]:
    changed = [dl for h in fc.hunks for dl in h.lines if dl.kind in "+-"]
    path = fc.path
    if path.startswith("Documentation/") or path.endswith(PROSE_SUFFIXES):
        return [_line(path, dl, "prose", "documentation (not built)", VerdictKind.PROVED, None)
                for dl in changed]
    why = None
    if fc.is_binary:
        why = "a binary file changes"
    elif not path.endswith(C_SUFFIXES):
        why = f"{path} is not C source"
    elif fc.is_new or fc.is_deleted:
        why = "the file is added or removed"
    elif fc.is_rename:
        why = "the file is renamed"
    if why is not None:
        lines = [_line(path, dl, "unaccounted", None, None, why) for dl in changed]
        return lines or [LineAccount(path, "new", 0, "", "unaccounted", None, None, why)]
    if tree and fc.tree_windows:
        return _account_tree(fc, owners)
    return [a for h in fc.hunks for a in _account_hunk(path, h, owners)]


def account_patch(patch: Patch, tree: bool, shapes: Iterable[ShapeProof] = ()
                  ) -> list[LineAccount]:
    """The account of every changed line of *patch*, in diff order.

    Runs after the verdicts: a region takes the verdict of what covers it.
    *tree*: body spans are in the tree's lines (the hunks' ``tree_*_start``).
    """
    owners = _Owners(patch.signature_changes, patch.call_sites,
                     [p for p in shapes if p.proved])
    return [a for fc in patch.files for a in _account_file(fc, owners, tree)]


def first_unaccounted(lines: list[LineAccount]) -> LineAccount | None:
    return next((a for a in lines if a.by is None), None)


def assumptions_of(lines: list[LineAccount]) -> list[str]:
    """What the accounting assumed, once each."""
    return list(dict.fromkeys(a.note for a in lines if a.by is not None and a.note))
