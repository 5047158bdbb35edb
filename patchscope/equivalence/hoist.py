"""A guard hoisted from a callee into its callers (issue 12).

The shape: the old callee opens with an early return, ``void f(struct x *p)
{ if (!p || !p->ready) return; BODY }``; the new one is ``{ BODY }``, and
every call ``f(a);`` becomes ``if (a && a->ready) f(a);``.  The two agree
when, for every call, the guard the caller adds is the negation of the
removed guard with the call's arguments for the parameters, and nothing else
differs.  This module proves the first part; the whole-patch accounting
(:mod:`.accounting`) the second, with the ranges this proof compared cut out.

What the rule demands, each a reason to refuse when it does not hold:

- the callee returns ``void`` and the guard is its first statement, ending
  in a plain ``return;``: skipping the call is then all the guard did;
- the guard is pure (no call, no assignment: :func:`parse_expr` refuses
  side effects) and reads no name but the parameters (a caller's local may
  spell a global the guard read);
- every call is a statement of its own (``f(a);``, the value unused) and
  its arguments are pure: the new code evaluates them twice;
- a parameter the guard reads is a pointer (a conversion of an integer
  argument to the parameter's type is not modelled);
- the caller's guard is the De Morgan negation of the removed one term by
  term: the same tests on the same operands, in the same order, ``&&`` and
  ``||`` exchanged.  A logically equal guard with the tests reordered may
  read ``p->ready`` before testing ``p``: it is not accepted;
- the new call is not followed by ``else`` (it would bind to the new ``if``);
- every call of the callee is one of these: in mbox mode every call the
  patch shows (the others are assumed not to exist, as for call sites), in
  tree mode every use of its name in its file, and the callee must be
  ``static`` so that no other file can call it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from patchscope.cexpr import Binary, Call, Expr, Name, Num, Unary, parse_expr, substitute, to_c
from patchscope.cexpr.expr_ast import walk
from patchscope.core import AnalysisMode, Patch
from patchscope.equivalence.refactor import (
    Refused,
    Region,
    ShapeProof,
    Tok,
    Use,
    View,
    groups,
    head_start,
    is_declarator,
    match,
    match_back,
    span_of,
    text_of,
    uses,
    views_of,
)
from patchscope.errors import ParseError

# what may stand before a call that is a statement of its own
_STATEMENT_START = {";", "{", "}", ")", "else", ":"}
# the only names a guard may read besides its parameters
_CONSTANTS = {"NULL", "true", "false"}
_TRANSPARENT = {"likely", "unlikely"}
_FLIP = {"<": (">=", False), ">=": ("<", True), ">": ("<=", False), "<=": (">", True),
         "==": ("!=", False), "!=": ("==", True)}
# tokens of the new body compared to tell a removed guard from an edited one
_OPENING = 6
_FUNC = re.compile(r"([A-Za-z_]\w*)\s*\(")


@dataclass
class _Callee:
    view: View
    type_start: int  # old side index of the first type word
    k: int
    open_brace: int  # old side
    guard: tuple[int, int]  # old side: indexes of the guard's first and last token
    guard_end: int  # old side: the `;` (or `}`) closing the guarded return
    params: list[tuple[str, bool]]  # name, is a pointer
    static: bool
    new_k: int
    new_brace: int


def _guarded_return(toks: list[Tok], brace: int) -> tuple[tuple[int, int], int, bool] | None:
    """``if ( G ) return ;`` (or ``{ return ; }``) right after the ``{`` at *brace*:
    the guard's first and last index, the index of the last token, and whether
    the ``return`` gives a value."""
    i = brace + 1
    if i + 1 >= len(toks) or toks[i].spelling != "if" or toks[i + 1].spelling != "(":
        return None
    close = match(toks, i + 1)
    if close is None or close == i + 2:
        return None
    braced = close + 1 < len(toks) and toks[close + 1].spelling == "{"
    ret = close + 2 if braced else close + 1
    if ret >= len(toks) or toks[ret].spelling != "return":
        return None
    semi = next((j for j in range(ret, len(toks)) if toks[j].spelling in (";", "{", "}")),
                None)
    if semi is None or toks[semi].spelling != ";":
        return None
    if braced:
        if semi + 1 >= len(toks) or toks[semi + 1].spelling != "}":
            return None
        return (i + 2, close - 1), semi + 1, semi > ret + 1
    return (i + 2, close - 1), semi, semi > ret + 1


def _candidates(views: list[View], skip: set[str]) -> dict[str, tuple[View, int, int]]:
    """Functions whose old definition opens with a guarded return that the new
    one no longer opens with: name -> (view, old index, new index)."""
    out: dict[str, tuple[View, int, int]] = {}
    for v in views:
        old, new = v.old.toks, v.new.toks
        for k, t in enumerate(old):
            if t.kind != "IDENTIFIER" or t.spelling in skip or not is_declarator(old, k):
                continue
            if k + 1 >= len(old) or old[k + 1].spelling != "(":
                continue
            close = match(old, k + 1)
            if close is None or close + 1 >= len(old) or old[close + 1].spelling != "{":
                continue
            found = _guarded_return(old, close + 1)
            if found is None:
                continue
            news = [u for u in uses(new, t.spelling) if u.kind == "definition"]
            if len(news) != 1:
                continue
            assert news[0].close is not None
            n_brace = news[0].close + 1
            # the guard statement removed, not edited: the new body opens with
            # what followed it (the accounting compares the rest)
            after = [x.spelling for x in old[found[1] + 1 : found[1] + 1 + _OPENING]]
            if [x.spelling for x in new[n_brace + 1 : n_brace + 1 + len(after)]] == after:
                out.setdefault(t.spelling, (v, k, news[0].k))
    return out


def _callee(view: View, k: int, new_k: int) -> _Callee:
    old, new = view.old.toks, view.new.toks
    name = old[k].spelling
    close = match(old, k + 1)
    assert close is not None
    start = head_start(old, k)
    words = [t.spelling for t in old[start:k]]
    if "void" not in words or old[k - 1].spelling == "*":
        raise Refused(f"{name}() does not return void ({' '.join(words) or 'its type'} is "
                      "what the patch shows): the value its early return gave a caller is "
                      "not covered")
    found = _guarded_return(old, close + 1)
    assert found is not None
    if found[2]:
        raise Refused(f"the early return removed from {name}() gives a value: what a "
                      "caller does with it is not covered")
    n_close = match(new, new_k + 1)
    assert n_close is not None
    n_start = head_start(new, new_k)
    if [t.spelling for t in old[start : close + 2]] != [t.spelling for t in
                                                          new[n_start : n_close + 2]]:
        raise Refused(f"the declarator of {name}() changes too")
    params = []
    for g in groups(old, k + 2, close):
        if [t.spelling for t in g] == ["void"]:
            continue
        idents = [t for t in g if t.kind == "IDENTIFIER"]
        if len(g) < 2 or not idents or idents[-1] is not g[-1]:
            raise Refused(f"a parameter of {name}() is not read as `type name`: "
                          f"`{text_of(g)}`")
        params.append((g[-1].spelling, any(t.spelling == "*" for t in g)))
    return _Callee(view, start, k, close + 1, found[0], found[1], params, "static" in words,
                   new_k, n_close + 1)


def _pure(e: Expr, what: str) -> Expr:
    """*e* without likely()/unlikely(); refused if it calls anything else."""
    for sub in walk(e):
        if isinstance(sub, Call) and sub.func not in _TRANSPARENT:
            raise Refused(f"{what} calls {sub.func}(), which may have side effects")
    return e


def _parse(toks: list[Tok], what: str) -> Expr:
    try:
        return parse_expr(text_of(toks))
    except ParseError as exc:
        raise Refused(f"{what} `{text_of(toks)}` is not read as a pure C expression "
                      f"({exc})") from None


Nnf = tuple  # ("and"|"or", left, right) or ("leaf", positive, atom text)


def _nnf(e: Expr, negated: bool) -> Nnf:
    """The negation normal form of *e* (negated when *negated*), keeping the
    order of the terms: ``!`` pushed through ``&&``/``||`` (De Morgan) and
    into comparisons; a test against 0, NULL or false is the truth of its operand
    (``x == true`` is not: it is ``x == 1``)."""
    if isinstance(e, Call) and e.func in _TRANSPARENT and len(e.args) == 1:
        return _nnf(e.args[0], negated)
    if isinstance(e, Unary) and e.op == "!":
        return _nnf(e.operand, not negated)
    if isinstance(e, Binary) and e.op in ("&&", "||"):
        op = {"&&": "and", "||": "or"}[e.op]
        if negated:
            op = "or" if op == "and" else "and"
        return (op, _nnf(e.left, negated), _nnf(e.right, negated))
    if isinstance(e, Binary) and e.op in ("==", "!="):
        for this, other in ((e.right, e.left), (e.left, e.right)):
            if (isinstance(this, Num) and this.value == 0) or (
                    isinstance(this, Name) and this.name in ("NULL", "false")):
                return _nnf(other, negated == (e.op != "=="))
    if isinstance(e, Binary) and e.op in _FLIP:
        canonical, flipped = _FLIP[e.op] if e.op in (">=", "<=", "!=") else (e.op, False)
        atom = to_c(Binary(canonical, e.left, e.right))
        return ("leaf", flipped == negated, atom)
    return ("leaf", not negated, to_c(e))


@dataclass
class _Site:
    view: View
    caller: str
    line: int  # new side
    region: Region | None  # None: the call is unchanged (already guarded so)
    step: str


def _enclosing(view: View, k: int) -> str:
    """The name of the function the new side's token *k* stands in, if seen."""
    toks = view.new.toks
    best = None
    for j in range(k - 1, -1, -1):
        t = toks[j]
        if t.kind != "IDENTIFIER" or j + 1 >= len(toks) or toks[j + 1].spelling != "(" \
                or not is_declarator(toks, j):
            continue
        close = match(toks, j + 1)
        if close is None or close + 1 >= len(toks) or toks[close + 1].spelling != "{":
            continue
        end = match(toks, close + 1)
        if end is None or end > k:
            best = t.spelling
            break
    if best is None:
        m = _FUNC.search(view.section)
        best = m.group(1) if m else "?"
    return f"{best}()"


def _call_form(toks: list[Tok], use: Use) -> tuple[int, int, list[Tok] | None]:
    """(first index, last index, the guard's tokens or None) of the call
    statement at *use*: ``f(a);``, ``if (G) f(a);`` or ``if (G) { f(a); }``."""
    k, close = use.k, use.close
    assert close is not None
    name = toks[k].spelling
    if close + 1 >= len(toks) or toks[close + 1].spelling != ";":
        raise Refused(f"the call of {name}() at line {toks[k].line} is not a statement of "
                      "its own (its value is used, or more follows)")
    end = close + 1
    if k == 0:
        raise Refused(f"the call of {name}() at line {toks[k].line} starts the window: "
                      "what stands before it is not shown")
    braced = toks[k - 1].spelling == "{" and end + 1 < len(toks) and toks[end + 1].spelling == "}"
    paren = k - 2 if braced else k - 1
    if paren >= 0 and toks[paren].spelling == ")":
        opening = match_back(toks, paren)
        if opening is not None and opening > 0 and toks[opening - 1].spelling == "if":
            return opening - 1, end + 1 if braced else end, toks[opening + 1 : paren]
    if toks[k - 1].spelling not in _STATEMENT_START:
        raise Refused(f"the call of {name}() at line {toks[k].line} is not a statement of "
                      "its own")
    return k, end, None


def _check_site(callee: _Callee, guard: Expr, view: View, old_use: Use,
                new_use: Use, n: int) -> _Site:
    name = callee.view.old.toks[callee.k].spelling
    old, new = view.old.toks, view.new.toks
    o_first, o_last, o_guard = _call_form(old, old_use)
    n_first, n_last, n_guard = _call_form(new, new_use)
    line = new[new_use.k].line
    where = f"{view.file}:{line}"
    caller = _enclosing(view, new_use.k)
    if n_guard is None:
        raise Refused(f"the call of {name}() in {caller} at {where} is not guarded: the "
                      "guard removed from the callee no longer applies to it")
    if n_last + 1 < len(new) and new[n_last + 1].spelling == "else":
        raise Refused(f"the guarded call at {where} is followed by `else`, which now binds "
                      "to the new `if`")
    old_spell = [t.spelling for t in old[o_first : o_last + 1]]
    new_spell = [t.spelling for t in new[n_first : n_last + 1]]
    if o_guard is not None and old_spell != new_spell:
        raise Refused(f"the call at {where} was guarded already, and the guard changes")
    assert old_use.close is not None and new_use.close is not None
    old_args = groups(old, old_use.k + 2, old_use.close)
    new_args = groups(new, new_use.k + 2, new_use.close)
    if [text_of(a) for a in old_args] != [text_of(a) for a in new_args]:
        raise Refused(f"the call of {name}() at {where} changes its arguments")
    if len(new_args) != len(callee.params):
        raise Refused(f"the call of {name}() at {where} passes {len(new_args)} arguments "
                      f"for {len(callee.params)} parameters")
    reads = {n.name for n in walk(guard) if isinstance(n, Name)}
    mapping: dict[str, Expr] = {}
    binds = []
    for (param, pointer), arg in zip(callee.params, new_args, strict=True):
        value = _pure(_parse(arg, f"the argument for {param}"), f"the argument `{text_of(arg)}`")
        if param in reads and not pointer:
            raise Refused(f"the guard reads {param}, an integer parameter: the conversion "
                          f"of `{text_of(arg)}` to its type is not modelled")
        mapping[param] = value
        binds.append(f"`{param}` := `{to_c(value)}`")
    bound = substitute(guard, mapping)
    new_guard = _pure(_parse(n_guard, "the caller's guard"), f"the guard at {where}")
    if _nnf(bound, True) != _nnf(new_guard, False):
        raise Refused(f"the guard at {where}, `{to_c(new_guard)}`, is not the negation of "
                      f"the removed guard with the call's arguments, `!({to_c(bound)})`, "
                      "term by term (De Morgan, the same tests in the same order)")
    step = (f"{caller} at {where}: {', '.join(binds) or 'no arguments'}; the removed guard "
            f"reads `{to_c(bound)}`; the call now runs only when `{to_c(new_guard)}`, its "
            "negation by De Morgan (the same tests, in the same order, `&&` and `||` "
            "exchanged)")
    region = None
    if o_guard is None:
        region = Region(f"hoist:{name}:call:{n}", view.file,
                        span_of(old, o_first, o_last), span_of(new, n_first, n_last),
                        tuple(old_spell), tuple(new_spell))
    else:
        step += " (already guarded so before the patch)"
    return _Site(view, caller, line, region, step)


def _prove(name: str, found: tuple[View, int, int], views: list[View], tree: bool) -> ShapeProof:
    view, k, new_k = found
    line = view.new.toks[new_k].line
    label = f"the guard of {name}() hoisted into its callers"
    proof = ShapeProof(name, view.file, line, label, False, "", "hoisted guard")
    try:
        callee = _callee(view, k, new_k)
        old = view.old.toks
        g_first, g_last = callee.guard
        guard_toks = old[g_first : g_last + 1]
        guard = _pure(_parse(guard_toks, "the removed guard"), "the removed guard")
        params = {p for p, _ in callee.params}
        stray = sorted({n.name for n in walk(guard) if isinstance(n, Name)} - params
                       - _CONSTANTS)
        if stray:
            raise Refused(f"the removed guard reads {', '.join(stray)}, not a parameter of "
                          f"{name}(): a caller may spell another object so")
        if tree and not callee.static:
            raise Refused(f"{name}() is not static: its callers in other files are not "
                          "searched")
        if tree and view.file.endswith(".h"):
            raise Refused(f"{name}() is defined in a header: every file that includes it "
                          "may call it, and those are not searched")
        g_text = to_c(guard)
        proof.steps.append(
            f"`if ({g_text}) return;` removed from the top of {name}() ({view.file}:"
            f"{old[callee.guard[0]].line}): {name}() returns void, the guard is its first "
            "statement, pure, and reads only its parameters; the rest of the body is compared "
            "by the whole-patch accounting")
        proof.regions.append(Region(
            f"hoist:{name}:guard", view.file,
            span_of(old, callee.open_brace, callee.guard_end),
            span_of(view.new.toks, callee.new_brace, callee.new_brace),
            tuple(t.spelling for t in old[callee.open_brace : callee.guard_end + 1]), ("{",)))
        sites = _sites(callee, guard, name, views, tree)
        if not sites:
            raise Refused(f"the patch shows no call of {name}(): nothing shows the guard "
                          "moved into a caller")
        for s in sites:
            proof.steps.append(s.step)
            if s.region is not None:
                proof.regions.append(s.region)
        count = f"{len(sites)} call{'s' if len(sites) > 1 else ''}"
        if tree:
            proof.steps.append(
                f"{name}() is static: in the whole old and new {view.file} its name stands "
                f"only in its one definition, its prototypes and the {count} above")
            proof.checked.append(f"every call of {name}() was searched for in {view.file} "
                                 f"({name}() is static); none goes through a pointer")
            proof.assumptions.append(f"no macro defined outside {view.file} calls {name}() "
                                     "(only that file is searched)")
        else:
            proof.assumptions.append(
                f"hunks only: the {count} of {name}() in the patch are all its calls, and the "
                f"definition it shows is its only one (the tree is not searched; --tree does)")
            proof.assumptions.append(f"no call reaches {name}() through a function pointer")
        proof.proved = True
        proof.reason = (f"proved: the guard `{g_text}` removed from {name}() is, negated, "
                        f"the guard each of its {count} now runs under")
    except Refused as why:
        proof.reason = f"not proved: {why}"
        proof.regions = []
    return proof


def _sites(callee: _Callee, guard: Expr, name: str, views: list[View],
           tree: bool) -> list[_Site]:
    sites = []
    definitions = {"old": 0, "new": 0}
    n = 0
    for v in views:
        calls = {}
        for side, s in (("old", v.old), ("new", v.new)):
            got = uses(s.toks, name)
            for u in got:
                if s.toks[u.k].line in s.directive:
                    raise Refused(f"{name} is named in a preprocessor directive at "
                                  f"{v.file}:{s.toks[u.k].line}")
                if u.kind == "value":
                    raise Refused(f"{name} is used other than in a call at "
                                  f"{v.file}:{s.toks[u.k].line}: a call through a pointer "
                                  "is not checked")
                definitions[side] += u.kind == "definition"
            calls[side] = [u for u in got if u.kind == "call"]
        if len(calls["old"]) != len(calls["new"]):
            raise Refused(f"{v.file}: {len(calls['old'])} call(s) of {name}() before the "
                          f"patch, {len(calls['new'])} after, in the same lines: a call is "
                          "added or removed")
        for o, w in zip(calls["old"], calls["new"], strict=True):
            sites.append(_check_site(callee, guard, v, o, w, n))
            n += 1
    if definitions != {"old": 1, "new": 1}:
        raise Refused(f"the patch shows {definitions['old']} old and {definitions['new']} "
                      f"new definitions of {name}(), not one of each")
    return sites


def prove_hoists(patch: Patch) -> list[ShapeProof]:
    """A proof (or the reason there is none) for each function of *patch*
    whose opening guarded return the patch removes."""
    tree = patch.mode is not AnalysisMode.MBOX
    views = views_of(patch, tree)
    if isinstance(views, str):
        return []
    skip = {c.function for c in patch.signature_changes}
    return [_prove(name, found, views, tree)
            for name, found in _candidates(views, skip).items()]

