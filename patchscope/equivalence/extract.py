"""A block of a function's body turned into a new static helper it calls (issue 12).

The shape: the patch adds ``static void h(T1 p1, ...) { BODY }`` and replaces
a run of statements BLOCK of a function ``f()`` by ``h(a1, ...);``.  The call
does what BLOCK did when BODY, with each parameter replaced by the call's
argument for it, is BLOCK token for token, and inlining is faithful: the
arguments, evaluated once at the call, are what BLOCK read at each use, and
every other name BODY reads means in ``h()`` what it meant in ``f()``.  The
rest of ``f()`` is compared by the whole-patch accounting, with BLOCK and the
call cut out, and the helper's definition cut out of the new side.

What the rule demands, each a reason to refuse when it does not hold:

- ``h()`` is new (its name nowhere before the patch), ``static``, returns
  ``void`` and is called once, as a statement of its own;
- BODY has no ``return``, ``goto``, ``break`` or ``continue`` (a return from
  ``h()`` is not a return from ``f()``), and names no ``__func__`` or
  ``__LINE__`` (they differ in ``h()``);
- BODY never writes a parameter nor takes its address (``h()`` writes its
  own copy, BLOCK wrote ``f()``'s variable), nor reaches with ``.`` or ``[``
  into one passed by value that is not a pointer (a struct: its copy), nor
  takes its ``sizeof`` or ``typeof`` (the argument's type may differ);
- each argument is a parameter of ``f()`` or a local declared once at the
  top of its body before the call, whose address ``f()`` never takes; any
  other name, or a chain of members and subscripts, only a BODY with no
  call, no ``asm`` and no write may read (a write or a call may change what
  BLOCK read again after it);
- an integer parameter gets a variable of ``f()`` declared with the same
  type words (no conversion at the call); a pointer parameter any argument;
- no name BODY reads (other than its parameters) is declared in ``f()``, and
  no name BODY declares is used in ``f()`` outside BLOCK;
- ``f()`` is seen whole (one hunk in mbox mode; tree mode reads its file),
  and BLOCK stands once in it, at a statement boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

from patchscope.core import AnalysisMode, Patch
from patchscope.equivalence.refactor import (
    Refused,
    Region,
    ShapeProof,
    Tok,
    View,
    groups,
    head_start,
    is_declarator,
    match,
    span_of,
    text_of,
    uses,
    views_of,
)

_BOUNDARY = {";", "{", "}"}
_JUMPS = {"return", "goto", "break", "continue"}
_PLACE_NAMES = {"__func__", "__FUNCTION__", "__PRETTY_FUNCTION__", "__LINE__"}
_WRITES = {"=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", "++", "--"}
_TYPE_OF = {"sizeof", "typeof", "__typeof__", "_Generic", "__builtin_types_compatible_p"}
_NOT_DECLARING = {"return", "sizeof", "case", "goto", "else", "do", "typeof", "__typeof__"}


@dataclass
class _Function:
    """A definition seen whole on one side of a view."""

    name: str
    head: int  # index of its first type word
    k: int  # index of its name
    brace: int  # index of its `{`
    end: int  # index of its `}`


def _definition(toks: list[Tok], k: int) -> _Function | None:
    close = match(toks, k + 1)
    if close is None or close + 1 >= len(toks) or toks[close + 1].spelling != "{":
        return None
    end = match(toks, close + 1)
    if end is None:
        return None
    return _Function(toks[k].spelling, head_start(toks, k), k, close + 1, end)


def _enclosing(toks: list[Tok], k: int) -> _Function | None:
    """The definition seen whole around token *k*."""
    for j in range(k - 1, -1, -1):
        t = toks[j]
        if t.kind != "IDENTIFIER" or j + 1 >= len(toks) or toks[j + 1].spelling != "(" \
                or not is_declarator(toks, j):
            continue
        f = _definition(toks, j)
        if f is not None and f.brace < k < f.end:
            return f
    return None


def _looks_declared(toks: list[Tok], i: int) -> bool:
    """Whether the identifier at *i* reads as the name of a declaration (too
    often rather than too rarely: ``a * b;`` counts)."""
    prev = toks[i - 1] if i else None
    after = toks[i + 1].spelling if i + 1 < len(toks) else ""
    if prev is None or prev.spelling in (".", "->"):
        return False
    if prev.spelling == "*" or (prev.kind in ("IDENTIFIER", "KEYWORD")
                                and prev.spelling not in _NOT_DECLARING):
        return after in (";", "=", ",", "[", ")")
    return prev.spelling == "," and after in (";", "=", ",")


def _declared_type(toks: list[Tok], f: _Function, name: str, before: int) -> list[str] | None:
    """The type words of *name* when *f* declares it once, as a parameter or at
    the top of its body's scope before token *before*: a variable of *f* there,
    not a file-scope object (a declaration in an inner block may have ended)."""
    found = []
    depth = 0
    for i in range(f.k + 2, min(before, f.end)):
        t = toks[i]
        depth += (t.spelling == "{") - (t.spelling == "}")
        if t.spelling != name or t.kind != "IDENTIFIER" or not _looks_declared(toks, i):
            continue
        j = i
        while j > 0 and (toks[j - 1].kind in ("IDENTIFIER", "KEYWORD")
                         or toks[j - 1].spelling == "*"):
            j -= 1
        if toks[j - 1].spelling not in ("(", ",", ";", "{", "}") or depth > 1:
            return None
        found.append(tuple(x.spelling for x in toks[j:i]))
    if len(found) != 1:
        return None
    return list(found[0])


def _postfix(arg: list[Tok]) -> bool:
    """``x``, ``x->a.b``, ``x[0]``, ``x->a[i]``: evaluated as one place, no operator."""
    if not arg or arg[0].kind != "IDENTIFIER":
        return False
    i = 1
    while i < len(arg):
        s = arg[i].spelling
        if s in ("->", ".") and i + 1 < len(arg) and arg[i + 1].kind == "IDENTIFIER":
            i += 2
        elif s == "[" and i + 2 < len(arg) and arg[i + 2].spelling == "]" and arg[i + 1].kind in (
                "IDENTIFIER", "LITERAL"):
            i += 3
        else:
            return False
    return True


def _names(toks: list[Tok]) -> list[int]:
    """Indexes of the identifiers of *toks* that name something (not members)."""
    return [i for i, t in enumerate(toks) if t.kind == "IDENTIFIER"
            and not (i and toks[i - 1].spelling in (".", "->"))]


def _find(toks: list[Tok], want: list[str], start: int, end: int) -> list[int]:
    n = len(want)
    return [i for i in range(start, end - n + 1)
            if [t.spelling for t in toks[i : i + n]] == want]


def _prove(helper: str, hview: View, hk: int, views: list[View], tree: bool) -> ShapeProof:
    new = hview.new.toks
    line = new[hk].line
    proof = ShapeProof(helper, hview.file, line, f"the helper {helper}() and its one call",
                       False, "", "extracted helper")
    try:
        h = _definition(new, hk)
        if h is None:
            raise Refused(f"the definition of {helper}() is not seen whole")
        words = [t.spelling for t in new[h.head : hk]]
        if "static" not in words or "void" not in words or new[hk - 1].spelling == "*":
            raise Refused(f"{helper}() is not a static void function ({' '.join(words)})")
        close = h.brace - 1
        params: list[tuple[str, list[str]]] = []
        for g in groups(new, hk + 2, close):
            if [t.spelling for t in g] == ["void"]:
                continue
            if len(g) < 2 or g[-1].kind != "IDENTIFIER":
                raise Refused(f"a parameter of {helper}() is not read as `type name`: "
                              f"`{text_of(g)}`")
            params.append((g[-1].spelling, [t.spelling for t in g[:-1]]))
        names = {p for p, _ in params}
        body = new[h.brace + 1 : h.end]
        copies = {p for p, ptype in params if "*" not in ptype}
        _check_body(body, names, copies, helper)
        calls = []
        for v in views:
            for side, s in (("old", v.old), ("new", v.new)):
                for u in uses(s.toks, helper):
                    if side == "old":
                        raise Refused(f"{helper} is named before the patch "
                                      f"({v.file}:{s.toks[u.k].line}): it is not new")
                    if s.toks[u.k].line in s.directive:
                        raise Refused(f"{helper} is named in a preprocessor directive")
                    if u.kind == "call":
                        calls.append((v, u))
                    elif not (v is hview and u.k == hk):
                        raise Refused(f"{helper} is used other than in its one definition "
                                      f"and a call ({v.file}:{s.toks[u.k].line})")
        if len(calls) != 1:
            raise Refused(f"{helper}() is called {len(calls)} times, not once")
        cview, use = calls[0]
        assert use.close is not None
        _inline(proof, helper, h, hview, params, body, cview, use.k, use.close)
        if tree:
            proof.checked.append(f"{helper}() is new and called once: its name was searched "
                                 "for in the whole old and new files of the patch")
        else:
            proof.assumptions.append(
                f"hunks only: {helper}() is new, its name nowhere in the old files (the tree "
                "is not searched; --tree does), so its one call in the patch is its only one")
        proof.proved = True
    except Refused as why:
        proof.reason = f"not proved: {why}"
        proof.regions = []
    return proof


def _check_body(body: list[Tok], params: set[str], copies: set[str], helper: str) -> None:
    """*copies*: the parameters passed by value that are not pointers (a struct
    may be one: writing a member of it writes the helper's copy)."""
    for i, t in enumerate(body):
        if t.spelling in _TYPE_OF and i + 1 < len(body) and body[i + 1].spelling in params:
            raise Refused(f"{helper}() takes `{t.spelling}` of a parameter: the argument's "
                          "type may differ from the parameter's")
        if t.spelling in _TYPE_OF and i + 1 < len(body) and body[i + 1].spelling == "(":
            end = match(body, i + 1)
            inner = {x.spelling for x in body[i + 1 : (end or len(body)) + 1]}
            if end is None or inner & params:
                raise Refused(f"{helper}() takes `{t.spelling}` of a parameter: the "
                              "argument's type may differ from the parameter's")
        if t.spelling in _JUMPS:
            raise Refused(f"{helper}() holds `{t.spelling}`: a jump in the helper is not the "
                          "jump it was in the caller")
        if t.spelling in _PLACE_NAMES:
            raise Refused(f"{helper}() names {t.spelling}, which differs in the helper")
        if t.kind == "IDENTIFIER" and t.spelling in params and not (
                i and body[i - 1].spelling in (".", "->")):
            before = body[i - 1].spelling if i else ""
            after = body[i + 1].spelling if i + 1 < len(body) else ""
            if after in _WRITES or before in ("++", "--", "&") or (
                    t.spelling in copies and after in (".", "[")):
                raise Refused(f"{helper}() writes its parameter {t.spelling}, takes its "
                              "address or reaches into it: the caller's variable is not its "
                              "copy")


def _inline(proof: ShapeProof, helper: str, h: _Function, hview: View,
            params: list[tuple[str, list[str]]], body: list[Tok], view: View, k: int,
            close: int) -> None:
    new, old = view.new.toks, view.old.toks
    where = f"{view.file}:{new[k].line}"
    if not k or new[k - 1].spelling not in _BOUNDARY or close + 1 >= len(new) \
            or new[close + 1].spelling != ";":
        raise Refused(f"the call of {helper}() at {where} is not a statement of its own")
    f_new = _enclosing(new, k)
    if f_new is None:
        raise Refused(f"the function calling {helper}() at {where} is not seen whole")
    if view is hview and f_new.head <= h.k <= f_new.end:
        raise Refused(f"{helper}() is defined inside {f_new.name}()")
    olds = [u for u in uses(old, f_new.name) if u.kind == "definition"]
    f_old = _definition(old, olds[0].k) if len(olds) == 1 else None
    if f_old is None:
        raise Refused(f"{f_new.name}() is not seen whole before the patch")
    args = groups(new, k + 2, close)
    if len(args) != len(params):
        raise Refused(f"the call at {where} passes {len(args)} arguments for {len(params)} "
                      "parameters")
    mapping = {}
    binds = []
    stateful = any(t.spelling in _WRITES or t.spelling in ("asm", "__asm__") or (
        t.kind == "IDENTIFIER" and i + 1 < len(body) and body[i + 1].spelling == "(")
                   for i, t in enumerate(body))
    for (param, ptype), arg in zip(params, args, strict=True):
        if not _postfix(arg):
            raise Refused(f"the argument `{text_of(arg)}` for {param} is not a variable or a "
                          "chain of members: inlining it would change when it is evaluated")
        mapping[param] = [t.spelling for t in arg]
        binds.append(f"`{param}` := `{text_of(arg)}`")
        var = arg[0].spelling
        declared = _declared_type(new, f_new, var, k)
        if len(arg) > 1 or declared is None:
            if stateful:
                raise Refused(f"the argument `{text_of(arg)}` is read once at the call, but "
                              f"{helper}() calls or writes before it may read it again")
        if any(toks[i].spelling == var and toks[i - 1].spelling == "&"
               for toks, g in ((old, f_old), (new, f_new)) for i in range(g.brace, g.end)):
            raise Refused(f"{f_old.name}() takes the address of {var}: a call may change it")
        if "*" not in ptype and (len(arg) > 1 or declared != ptype):
            raise Refused(f"the integer parameter {param} ({' '.join(ptype)}) gets "
                          f"`{text_of(arg)}`, not a variable of that type: a conversion at "
                          "the call is not modelled")
    inlined: list[str] = []
    for i, t in enumerate(body):
        if t.kind == "IDENTIFIER" and t.spelling in mapping and not (
                i and body[i - 1].spelling in (".", "->")):
            inlined += mapping[t.spelling]
        else:
            inlined.append(t.spelling)
    if not inlined:
        raise Refused(f"{helper}() is empty")
    found = _find(old, inlined, f_old.brace + 1, f_old.end)
    if len(found) != 1:
        raise Refused(f"{helper}() inlined at its call, `{' '.join(inlined)}`, stands "
                      f"{len(found)} times in the old {f_old.name}(), not once")
    b0, b1 = found[0], found[0] + len(inlined) - 1
    if old[b0 - 1].spelling not in _BOUNDARY or old[b1].spelling not in (";", "}") or (
            b1 + 1 < len(old) and old[b1 + 1].spelling == "else"):
        raise Refused(f"the inlined block does not stand at a statement boundary of the old "
                      f"{f_old.name}()")
    block = range(b0, b1 + 1)
    params_set = set(mapping)
    body_names = {body[i].spelling for i in _names(body)} - params_set
    local = sorted(n for n in body_names if any(
        old[i].spelling == n and _looks_declared(old, i)
        for i in range(f_old.k + 2, f_old.end) if i not in block))
    if local:
        raise Refused(f"{helper}() reads {', '.join(local)}, which {f_old.name}() declares: "
                      "in the helper the name means something else")
    own = {body[i].spelling for i in _names(body) if _looks_declared(body, i)}
    leaked = sorted(n for n in own if any(old[i].spelling == n for i in range(
        f_old.k, f_old.end + 1) if i not in block))
    if leaked:
        raise Refused(f"{helper}() declares {', '.join(leaked)}, which {f_old.name}() also "
                      "uses outside the block")
    first, last = old[b0].line, old[b1].line
    proof.steps.append(
        f"{helper}() ({hview.file}:{hview.new.toks[h.k].line}) is new, static, void, "
        f"called once, at {where}, as a statement of its own; it holds no return, goto, "
        "break or continue and never writes its parameters")
    proof.steps.append(
        f"{helper}() inlined at its one call: {', '.join(binds) or 'no arguments'}; the "
        f"inlined block equals the old lines {first}-{last} of {f_old.name}() token for token")
    proof.steps.append(
        f"every name the helper reads besides its parameters is declared nowhere in "
        f"{f_old.name}(), and the names it declares are not used in {f_old.name}() outside "
        "the block; each argument is read once at the call, where the block read it, as "
        "nothing before its uses can change it; the rest of "
        f"{f_old.name}() is compared by the whole-patch accounting")
    proof.regions.append(Region(
        f"extract:{helper}:block", view.file, span_of(old, b0, b1),
        span_of(new, k, close + 1), tuple(inlined),
        tuple(t.spelling for t in new[k : close + 2])))
    hv = hview.new.toks
    proof.regions.append(Region(
        f"extract:{helper}:definition", hview.file, None, span_of(hv, h.head, h.end), (),
        tuple(t.spelling for t in hv[h.head : h.end + 1])))
    proof.assumptions.append(
        f"every local of {f_old.name}() is declared as `type name` (how the reader tells "
        f"which names {helper}() may not read)")
    proof.assumptions.append(
        f"a message that prints the function's name or line (__func__ inside a macro) is not "
        f"behaviour: in {helper}() it names the helper")
    proof.reason = (f"proved: {helper}() inlined at its one call is the block it replaces, "
                    f"old lines {first}-{last} of {f_old.name}()")


def prove_extracts(patch: Patch) -> list[ShapeProof]:
    """A proof (or the reason there is none) for each new static void function
    the patch adds and calls."""
    tree = patch.mode is not AnalysisMode.MBOX
    views = views_of(patch, tree)
    if isinstance(views, str):
        return []
    out = []
    seen: set[str] = set()
    for v in views:
        for u in [u for name in _defined_names(v.new.toks) for u in uses(v.new.toks, name)
                  if u.kind == "definition"]:
            name = v.new.toks[u.k].spelling
            if name in seen or any(uses(w.old.toks, name) for w in views) or not any(
                    c.kind == "call" for w in views for c in uses(w.new.toks, name)):
                continue  # not new, or not called: no block it could stand for
            seen.add(name)
            out.append(_prove(name, v, u.k, views, tree))
    return out


def _defined_names(toks: list[Tok]) -> list[str]:
    """The names of the definitions seen on one side, static void ones only."""
    out = []
    for k, t in enumerate(toks):
        if t.kind != "IDENTIFIER" or k + 1 >= len(toks) or toks[k + 1].spelling != "(" \
                or not is_declarator(toks, k) or toks[k - 1].spelling == "*":
            continue
        words = [x.spelling for x in toks[head_start(toks, k) : k]]
        if "static" in words and "void" in words:
            f = _definition(toks, k)
            if f is not None:
                out.append(t.spelling)
    return list(dict.fromkeys(out))
