"""Single-token mutants of a patch's executable lines, to attack the prover.

Each mutant changes one thing in an added or context line of a hunk (a context
line becomes a removed line and its mutated copy an added one, so the mutant
still applies where the patch did): an operator, a constant, ``+ 1`` after a
name, ``NULL`` for an argument, two arguments swapped, a type word for
another (``bool`` -> ``int``, ``unsigned long`` -> ``long``), or a new
statement right after a call.  Mutants change code only, never a comment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from patchscope.clang import Token, blank_cut_comment, tokenize

OPERATORS = {">": ">=", ">=": ">", "<": "<=", "<=": "<", "==": "!=", "!=": "==",
             "+": "-", "-": "+", "&&": "||", "||": "&&", "|": "&"}
# a type word for another: a declaration that converts what it holds differently
TYPES = {"bool": "int", "int": "long", "unsigned": ""}
# `d.f = ...;` or `d->f = ...;`, as spellings one space apart
_FIELD_STORE = re.compile(r"[A-Za-z_]\w* (\.|->) [A-Za-z_]\w* = .+ ;")
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$")


@dataclass
class Mutant:
    what: str  # e.g. "mm/vma.c:1235 `>` -> `>=`"
    text: str  # the whole patch or mailbox text, mutated


@dataclass
class _Line:
    index: int  # line index in the text
    kind: str  # " " or "+"
    text: str
    path: str
    number: int  # new-side line number
    hunk: int  # index of the hunk header line


def _diff_lines(lines: list[str]) -> Iterator[_Line]:
    path = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("+++ "):
            path = line[4:].removeprefix("b/")
        m = _HUNK.match(line)
        if not m:
            i += 1
            continue
        header = i
        old_left = int(m.group(2) or 1)
        new_left = int(m.group(4) or 1)
        new_no = int(m.group(3))
        i += 1
        while i < len(lines) and (old_left > 0 or new_left > 0):
            body = lines[i]
            kind = body[:1] or " "
            if kind in " +":
                yield _Line(i, kind, body[1:], path, new_no, header)
                new_left -= 1
                new_no += 1
            if kind in " -":
                old_left -= 1
            if kind == "\\":
                pass
            i += 1


def _code_tokens(text: str) -> list[Token]:
    return [t for t in tokenize(text) if t.kind != "COMMENT"]


def _window_code(lines: list[str], diff: list[_Line]) -> dict[int, list[Token]]:
    """Code tokens per diff line index, lexed hunk by hunk (comments known)."""
    out: dict[int, list[Token]] = {}
    by_hunk: dict[int, list[_Line]] = {}
    for d in diff:
        by_hunk.setdefault(d.hunk, []).append(d)
    for ds in by_hunk.values():
        text = blank_cut_comment("\n".join(d.text for d in ds) + "\n")
        for t in tokenize(text):
            if t.kind == "COMMENT":
                continue
            out.setdefault(ds[t.line - 1].index, []).append(t)
    return out


def _replace(line: str, tok: Token, new: str) -> str:
    data = line.encode()
    start = tok.column - 1
    return (data[:start] + new.encode() + data[start + len(tok.spelling.encode()):]).decode()


def _mutations(d: _Line, toks: list[Token]) -> Iterator[tuple[str, str]]:
    """(description, mutated line text) for one line's code tokens."""
    if d.text.lstrip().startswith("#"):
        return
    for k, t in enumerate(toks):
        after = toks[k + 1].spelling if k + 1 < len(toks) else ""
        before = toks[k - 1].spelling if k else ""
        if t.kind == "PUNCTUATION" and t.spelling in OPERATORS:
            if t.spelling in "+-" and before in ("(", ",", "=", ""):
                continue  # a sign, not an operator: `-x` -> `+x` may be equal
            yield f"`{t.spelling}` -> `{OPERATORS[t.spelling]}`", _replace(
                d.text, t, OPERATORS[t.spelling])
        elif t.kind == "LITERAL" and re.fullmatch(r"(0x[0-9a-fA-F]+|\d+)[uUlL]*", t.spelling):
            value = int(re.sub(r"[uUlL]+$", "", t.spelling), 0)
            yield f"`{t.spelling}` -> `{value + 1}`", _replace(d.text, t, str(value + 1))
        elif t.kind == "IDENTIFIER" and after in (",", ")", ";") and before not in (
                "->", ".", "struct", "*") and before in ("(", ",", "=", "return", "-", "+",
                                                         ">", "<", "?", ":"):
            yield f"`{t.spelling}` -> `{t.spelling} + 1`", _replace(d.text, t,
                                                                    t.spelling + " + 1")
            if before in ("(", ","):
                yield f"`{t.spelling}` -> `NULL`", _replace(d.text, t, "NULL")
        elif t.spelling in TYPES and (t.kind == "KEYWORD" or (
                t.spelling == "bool" and k + 1 < len(toks) and toks[k + 1].kind == "IDENTIFIER"
                and before in ("(", ",", ";", "{", "const", "static", ""))) and not (
                t.spelling == "unsigned" and after not in ("long", "int")):
            new = TYPES[t.spelling]
            j = next((n for n in range(k + 1, len(toks)) if toks[n].kind == "IDENTIFIER"), k)
            words = [x.spelling for x in toks[k:j + 1]]
            was, now = " ".join(words), " ".join(([new] if new else []) + words[1:])
            yield f"`{was}` -> `{now}`", _replace(d.text, t, new)
    for k in range(len(toks) - 2):
        a, comma, b = toks[k], toks[k + 1], toks[k + 2]
        if (comma.spelling == "," and a.kind == b.kind == "IDENTIFIER" and a.spelling
                != b.spelling and (k + 3 >= len(toks) or toks[k + 3].spelling in (",", ")"))
                and (k == 0 or toks[k - 1].spelling in ("(", ","))):
            swapped = _replace(d.text, b, a.spelling)
            swapped = _replace(swapped, a, b.spelling) if len(a.spelling) == len(
                b.spelling) else None  # columns shift otherwise; keep it simple
            if swapped is not None:
                yield f"`{a.spelling}, {b.spelling}` swapped", swapped


def _bump_new_count(lines: list[str], header: int, by: int) -> None:
    m = _HUNK.match(lines[header])
    assert m is not None
    new_len = int(m.group(4) or 1) + by
    lines[header] = (f"@@ -{m.group(1)}{',' + m.group(2) if m.group(2) else ''} "
                     f"+{m.group(3)},{new_len} @@{m.group(5)}")


def mutants(text: str) -> list[Mutant]:
    """Every mutant of *text* (a patch or a mailbox holding patches)."""
    lines = text.split("\n")
    diff = list(_diff_lines(lines))
    code = _window_code(lines, diff)
    out: list[Mutant] = []
    for d in diff:
        toks = code.get(d.index, [])
        for what, new_text in _mutations(d, toks):
            if new_text == d.text:
                continue
            mutated = list(lines)
            if d.kind == "+":
                mutated[d.index] = "+" + new_text
            else:  # a context line: removed, and its mutated copy added
                mutated[d.index] = "-" + d.text
                mutated.insert(d.index + 1, "+" + new_text)
            out.append(Mutant(f"{d.path}:{d.number} {what}", "\n".join(mutated)))
        # a store into a struct field dropped (the struct a caller builds, issue 11.2)
        if d.kind == "+" and _FIELD_STORE.fullmatch(" ".join(t.spelling for t in toks)):
            mutated = list(lines)
            del mutated[d.index]
            _bump_new_count(mutated, d.hunk, -1)
            out.append(Mutant(f"{d.path}:{d.number} the field store removed",
                              "\n".join(mutated)))
        # a statement right after the end of a call
        if toks and toks[-1].spelling == ";" and any(t.spelling == ")" for t in toks) and \
                not d.text.lstrip().startswith(("return", "#")):
            mutated = list(lines)
            indent = d.text[: len(d.text) - len(d.text.lstrip())] or "\t"
            mutated.insert(d.index + 1, f"+{indent}barrier_data(NULL);")
            _bump_new_count(mutated, d.hunk, 1)
            out.append(Mutant(f"{d.path}:{d.number} a statement added after the call",
                              "\n".join(mutated)))
    return out


# Mutants that are truly equivalent to the patch they come from, with the reason.
EQUIVALENT = {
    "mm/mmap.c:1313 `FIRST_USER_ADDRESS` -> `NULL`":
        "FIRST_USER_ADDRESS is 0 on x86_64, and NULL is 0 as an unsigned long",
    "mm/mmap.c:1314 `USER_PGTABLES_CEILING` -> `NULL`":
        "USER_PGTABLES_CEILING is 0 on x86_64, and NULL is 0 as an unsigned long",
    "mm/mmap.c:1314 `true` -> `true + 1`":
        "the parameter is a bool: 2 converts to true",
    "tools/testing/vma/vma_internal.h:903 `unsigned long tree_max` -> `long tree_max`":
        "the test stub's body never reads tree_max, so its type changes nothing",
    "tools/testing/vma/vma_internal.h:903 `unsigned long vma_end` -> `long vma_end`":
        "the test stub's body never reads vma_end, so its type changes nothing",
    "mm/walk.c:31 `WALK_FAST` -> `NULL`":
        "WALK_FAST is 0 (the first enumerator), and NULL converts to the enum as 0",
    "mm/mlock.c:47 `true` -> `true + 1`":
        "the parameter is a bool: 2 converts to true",
    "mm/mlock.c:52 `false` -> `NULL`":
        "the parameter is a bool: NULL converts to false",
}
# Per fixture: mutants equivalent there, with the reason (series4: a field of
# struct unmap_desc that unmap_region() never reads, or a store overwritten)
EQUIVALENT_IN = {
    "series4.mbox": {
        "mm/internal.h:24 `unsigned long pg_max` -> `long pg_max`":
            "the field holds addresses below TASK_SIZE and 0: a long holds them, and both "
            "conversions back to unsigned long keep the value",
        "mm/internal.h:32 `_next` -> `_next + 1`":
            "UNMAP_DESC() stores desc->next, which unmap_region() never reads",
        "mm/internal.h:44 `next` -> `next + 1`":
            "unmap_desc_init() stores desc->next, which unmap_region() never reads",
        "mm/internal.h:44 the field store removed":
            "unmap_desc_init() stores desc->next, which unmap_region() never reads",
        "mm/internal.h:45 `USER_PGTABLES_CEILING` -> `USER_PGTABLES_CEILING + 1`":
            "unmap_desc_init()'s pg_max is overwritten by its one user, map_undo(), "
            "before the call",
        "mm/internal.h:45 the field store removed":
            "unmap_desc_init()'s pg_max is overwritten by its one user, map_undo(), "
            "before the call",
        "mm/mmap.c:28 `next` -> `next + 1`":
            "map_abort() passes it to UNMAP_DESC() as desc->next, which unmap_region() "
            "never reads",
        "mm/mmap.c:28 `next` -> `NULL`":
            "map_abort() passes it to UNMAP_DESC() as desc->next, which unmap_region() "
            "never reads",
    },
}


def equivalent_for(fixture: str) -> dict[str, str]:
    """The equivalent mutants of the fixture file named *fixture*."""
    return {**EQUIVALENT, **EQUIVALENT_IN.get(fixture, {})}


# Mutants the proof rightly does not prove but the model rightly finds no
# difference for (sampling: `verified`, with an nfc-sampled warning): equivalent
# given what the caller's context guarantees.
SAMPLED_EQUIVALENT = {
    "mm/vma.c:490 `USER_PGTABLES_CEILING` -> `USER_PGTABLES_CEILING + 1`":
        "unmap_region() passes this search limit only when next is NULL: no VMA lies "
        "above the range, so a walk bounded by 0 (the top) and one bounded by 1 both "
        "find nothing more",
}


@dataclass
class Outcome:
    mutant: Mutant
    verdict: str  # the patch's nfc verdict, or "error: ..." when the run failed


def run_mutants(source: str, suffix: str, tree: str | None = None,
                every: int = 1) -> list[Outcome]:
    """Check every *every*-th mutant of the file *source*, in-process; the
    patch verdict of each (the first patch's, one patch per fixture; of a
    series, the worst of its patches': a mutant of an early patch may leave it
    proved and show only in a later one that relies on it)."""
    import os
    import tempfile
    from pathlib import Path

    from patchscope.commands.check import check_series
    from patchscope.core import CheckOptions

    text = Path(source).read_text(encoding="utf-8", errors="surrogateescape")
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, m in enumerate(mutants(text)):
            if n % every:
                continue
            path = os.path.join(tmp, f"mutant{n}{suffix}")
            Path(path).write_text(m.text, encoding="utf-8", errors="surrogateescape")
            series = check_series(CheckOptions(source=path, tree=tree, scenarios=0))
            out.append(Outcome(m, _worst(series)))
    return out


def _worst(series: object) -> str:
    from patchscope.core import VERDICT_RANK, Series

    assert isinstance(series, Series)
    kinds = [p.nfc.verdict for p in series.patches if p.nfc is not None]
    if not kinds or len(kinds) < len(series.patches):
        return "none"
    return str(min(kinds, key=lambda k: VERDICT_RANK.get(k, 9)))


def main() -> int:
    """``python -m tests.equivalence.mutants``: the mutation score of each proved
    fixture, proof alone (the kernel model switched off)."""
    from pathlib import Path

    import patchscope.equivalence.decide as decide

    decide.find_model = lambda change: None  # type: ignore[assignment]
    root = Path(__file__).resolve().parents[2] / "fixtures"
    fixtures = [root / "seed" / "free_pgtables-v1-4of9.mbox",
                root / "equivalence" / "seed-renamed.patch",
                root / "equivalence" / "chain.patch", root / "equivalence" / "chain2.patch",
                *sorted((root / "accounting").glob("proved-*.patch")),
                *sorted(p for p in (root / "equivalence").glob("xa-*.patch")
                        if p.name != "xa-proto-rename.patch"),
                root / "equivalence" / "attr-must-check.patch",
                # issue 12: a neutral argument, a pure result, a flag word become a bool, a
                # bool an enum, a guard hoisted into the callers, an extracted helper
                *sorted((root / "equivalence").glob("proved-*.patch")),
                # issue 11: a parameter passed on to an unchanged free_pgtables()
                root / "series4" / "series4.mbox", root / "series4" / "single" / "pass-on.patch"]
    total = caught = equivalent = 0
    bad = []
    for f in fixtures:
        outcomes = run_mutants(str(f), f.suffix)
        equal = equivalent_for(f.name)
        eq = [o for o in outcomes if o.mutant.what in equal]
        survived = [o for o in outcomes if o.verdict in ("proved", "verified")
                    and o.mutant.what not in equal]
        total += len(outcomes)
        equivalent += len(eq)
        caught += len(outcomes) - len(eq) - len(survived)
        bad += survived
        print(f"{f.name}: {len(outcomes)} mutants, {len(outcomes) - len(eq) - len(survived)} "
              f"caught, {len(eq)} equivalent, {len(survived)} proved")
    print(f"all: {total} mutants, {caught} caught, {equivalent} equivalent (listed with the "
          f"reason), {len(bad)} proved")
    for o in bad:
        print("  PROVED:", o.mutant.what)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
