"""Functions whose result depends on their arguments alone, from the mail or the tree.

A patch may pass ``pool_order(len)`` where the callee computed
``pool_order(bytes)`` at its top.  That is the same value only if
``pool_order()`` reads nothing but its arguments and writes nothing: then
evaluating it in the caller, just before the call, and in the callee, at
entry, gives the same result.  A function counts as such when the mail (one
hunk's side) or, in tree mode, the tree shows it

- defined with a body that is one ``return EXPR;`` whose EXPR reads only its
  parameters, literals and macros whose value is known, through operators
  that neither write nor read memory (no ``*``, ``->``, ``[]``, ``&``), and
  calls only other such functions; or
- declared ``__attribute_const__`` (the compiler's promise of the same;
  stated as an assumption: patchscope does not read that body).

Every definition seen must qualify, the same way (one distinct body).  Names
are those the calls of the series pass in their arguments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from patchscope.arch import ArchProfile
from patchscope.cexpr import parse_expr
from patchscope.cexpr.ceval import PURE_CALLS
from patchscope.cexpr.expr_ast import Binary, Call, Cast, Cond, Expr, Name, Num, Unary, walk
from patchscope.core import Series
from patchscope.errors import ParseError
from patchscope.tree import TreeView

MAX_NAMES = 16  # functions looked up per series
MAX_FILES = 64  # tree files read for them
_CALLED = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_NOT_FUNCTIONS = frozenset({"if", "while", "for", "switch", "return", "sizeof", "typeof",
                            "__typeof__", "_Generic", "alignof", "_Alignof"})
_UNARY_READS = frozenset({"-", "+", "~", "!"})


def _definitions(text: str, name: str) -> Iterable[tuple[str, str, int, str]]:
    """(specifiers before the name, parameters text, offset) and the body text of
    each definition or declaration of *name* in *text*; the body is "" for a
    prototype."""
    for m in re.finditer(rf"(^|[;{{}}\n])([^;{{}}\n#]*?)\b{re.escape(name)}\s*\(([^()]*)\)\s*",
                         text):
        rest = text[m.end():]
        if rest.startswith("{"):
            close = rest.find("}")
            if close < 0 or "{" in rest[1:close]:
                continue  # not a body of one statement
            yield m.group(2), m.group(3), m.start(2), rest[1:close]
        elif rest.startswith(";") or rest.startswith("__attribute"):
            yield m.group(2), m.group(3), m.start(2), ""


def _params(text: str) -> list[str] | None:
    names = []
    for part in text.split(","):
        words = re.findall(r"[A-Za-z_]\w*", part)
        if not words or words == ["void"]:
            continue
        names.append(words[-1])
    return names


def _pure_expr(e: Expr, params: set[str], pure: set[str], profile: ArchProfile) -> bool:
    for n in walk(e):
        if isinstance(n, Num | Binary | Cond | Cast):
            continue
        if isinstance(n, Name):
            if n.name in params or n.name in profile.macros:
                continue
            return False  # a global variable, or a macro of unknown value
        if isinstance(n, Unary) and n.op in _UNARY_READS:
            continue
        if isinstance(n, Call) and (n.func in PURE_CALLS or n.func in pure):
            continue
        return False
    return True


def _where(path: str, text: str, offset: int, source: str) -> str:
    return f"{path}:{text.count(chr(10), 0, offset) + 1} ({source})"


def _mail_texts(series: Series) -> Iterable[tuple[str, str, str]]:
    """(path, text of one hunk side, where-suffix) for every hunk of the mail."""
    for patch in series.patches:
        for fc in patch.files:
            for hunk in fc.hunks:
                for side in ("old", "new"):
                    lines = [ln for ln in hunk.lines if (side, ln.kind) not in
                             (("old", "+"), ("new", "-"))]
                    if not lines:
                        continue
                    first = (lines[0].old_lineno if side == "old" else lines[0].new_lineno) or 1
                    text = "\n" * (first - 1) + "\n".join(ln.text for ln in lines)
                    yield fc.path, text, f"patch {patch.index} of the mail"


def _called_names(series: Series) -> list[str]:
    words: dict[str, None] = {}
    for patch in series.patches:
        for call in patch.call_sites:
            for arg in (call.old_args or []) + (call.new_args or []):
                for w in _CALLED.findall(arg.text):
                    if w not in _NOT_FUNCTIONS and w not in PURE_CALLS:
                        words[w] = None
    return list(words)[:MAX_NAMES]


def pure_functions(series: Series, tree: TreeView | None,
                   profile: ArchProfile) -> dict[str, str]:
    """name -> why it is pure, in words, for the functions the calls name."""
    names = _called_names(series)
    if not names:
        return {}
    texts = list(_mail_texts(series))
    if tree is not None:  # one grep for them all: each is a walk of the whole tree
        # a definition or prototype starts at column 0 in kernel style; a call does not
        pattern = rf"^[A-Za-z_][^;=]*\b({'|'.join(names)})\s*\("
        for path in tree.grep_extended(pattern)[:MAX_FILES]:
            text = tree.base_text(path)
            if text is not None:
                texts.append((path, text, "the tree"))
    seen: dict[str, list[tuple[str, str, str, str]]] = {}  # name -> (specs, params, body, where)
    for path, text, source in texts:
        clean = _COMMENT.sub(lambda m: " " * len(m.group(0)), text)
        for name in names:
            if name not in clean:
                continue
            for specs, params, offset, body in _definitions(clean, name):
                seen.setdefault(name, []).append(
                    (" ".join(specs.split()), params, " ".join(body.split()),
                     _where(path, clean, offset, source)))
    out: dict[str, str] = {}
    for _ in range(3):  # a pure function that calls another
        for name in names:
            if name in out or name not in seen:
                continue
            why = _why_pure(name, seen[name], set(out), profile)
            if why is not None:
                out[name] = why
    return out


def _why_pure(name: str, found: list[tuple[str, str, str, str]], pure: set[str],
              profile: ArchProfile) -> str | None:
    bodies = {body for _, _, body, _ in found if body}
    if len(bodies) > 1:
        return None  # several definitions: which one applies is not ours to say
    const = [where for specs, _, _, where in found if "__attribute_const__" in specs.split()]
    if bodies:
        body = bodies.pop()
        specs, params, _, where = next(f for f in found if f[2] == body)
        m = re.fullmatch(r"return\s+(.+?)\s*;", body)
        names = _params(params)
        if m is not None and names is not None:
            try:
                expr = parse_expr(m.group(1))
            except ParseError:
                expr = None
            if expr is not None and _pure_expr(expr, set(names), pure | {name}, profile):
                return (f"{name}() is pure: its one body seen, `{{ {body} }}` at {where}, "
                        "reads only its parameters and constants and writes nothing")
        return None  # the body seen says otherwise than an attribute could
    if const:
        return (f"assumed: {name}() is pure as its `__attribute_const__` at {const[0]} "
                "says (its body is not read)")
    return None
