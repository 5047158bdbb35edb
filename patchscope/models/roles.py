"""Roles of free_pgtables()'s parameters, read from how the body uses them.

The search limit is whatever bounds ``mas_find``; the floor and the
page-table ceiling are what reach ``free_pgd_range`` (the ceiling being the
value used when there is no next VMA: ``next ? next->vm_start : X``).  Names
play no part, so renamed parameters get the same roles.  Where the visible
text (a hunk in mbox mode) does not show a use, the role is carried over from
the aligned parameter of the other side, or, failing that, from the kernel's
own signature by position; every such role is listed as assumed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from patchscope.cexpr import Binary, Cond, Expr, Name, Num, free_names, substitute, to_c
from patchscope.cexpr.cparse import parse_tokens
from patchscope.clang import Token, tokenize
from patchscope.core import Param, SignatureChange
from patchscope.errors import ParseError

WARN_MACROS = ("WARN_ON_ONCE", "WARN_ON", "VM_WARN_ON_ONCE", "VM_WARN_ON")
ROLE_NAMES = ("first_bound", "gather_bound", "floor", "ceiling")
# free_pgtables(tlb, mas, vma, floor, ceiling, mm_wr_locked) before the series
KERNEL_FLOOR_POS, KERNEL_CEILING_POS = 3, 4


class RolesError(Exception):
    """The roles cannot be established: the verdict is unknown, with this reason."""


@dataclass
class BodyUses:
    """What one body's visible text shows."""

    bounds: list[Expr] = field(default_factory=list)  # mas_find maxima, in order
    floor: Expr | None = None
    ceiling: Expr | None = None
    warn: Expr | None = None


@dataclass
class SideRoles:
    """Expressions over one side's parameters that drive the model."""

    params: list[Param]
    exprs: dict[str, Expr]  # ROLE_NAMES -> expression
    warn: Expr | None
    from_code: dict[str, str]  # role -> how it was read
    assumed: dict[str, str]
    vma_param: str
    mas_param: str

    def names(self) -> set[str]:
        out: set[str] = set()
        for e in self.exprs.values():
            out |= free_names(e)
        if self.warn is not None:
            out |= free_names(self.warn)
        return out


@dataclass
class Roles:
    old: SideRoles
    new: SideRoles

    def describe(self) -> str:
        """One sentence for the method text: which roles come from code."""
        parts = []
        for side, r in (("old", self.old), ("new", self.new)):
            code = ", ".join(f"{k} `{to_c(r.exprs[k])}`" for k in ROLE_NAMES if k in r.from_code)
            assumed = ", ".join(f"{k} `{to_c(r.exprs[k])}` ({r.assumed[k]})"
                                for k in ROLE_NAMES if k in r.assumed)
            text = f"{side}: from code {code or 'nothing'}"
            if assumed:
                text += f"; assumed {assumed}"
            parts.append(text)
        return "roles " + " | ".join(parts)


def calls_of(tokens: list[Token], names: tuple[str, ...]) -> list[tuple[str, list[list[Token]]]]:
    """Each call of one of *names*: its name and its arguments' tokens."""
    out = []
    for i, t in enumerate(tokens):
        if t.kind != "IDENTIFIER" or t.spelling not in names:
            continue
        if i + 1 >= len(tokens) or tokens[i + 1].spelling != "(":
            continue
        depth = 0
        args: list[list[Token]] = []
        cur: list[Token] = []
        for tok in tokens[i + 2:]:
            if tok.spelling in "([{" and tok.kind == "PUNCTUATION":
                depth += 1
            elif tok.spelling in ")]}" and tok.kind == "PUNCTUATION":
                if depth == 0:
                    args.append(cur)
                    break
                depth -= 1
            elif tok.spelling == "," and depth == 0:
                args.append(cur)
                cur = []
                continue
            elif tok.spelling == ";" and depth == 0:
                break  # ran past the visible text: not a whole call
            cur.append(tok)
        else:
            continue
        if args and args[-1] is cur:
            out.append((t.spelling, args))
    return out


def _expr(tokens: list[Token]) -> Expr | None:
    try:
        return parse_tokens(tokens, " ".join(t.spelling for t in tokens))
    except ParseError:
        return None


def read_body(body: str | None) -> BodyUses:
    """The uses a body's text shows (lines of comment continuation skipped)."""
    uses = BodyUses()
    if not body:
        return uses
    # hunk windows can start inside a comment: drop its continuation lines
    lines = [ln for ln in body.splitlines() if not ln.lstrip().startswith(("*", "/*"))]
    tokens = [t for t in tokenize("\n".join(lines)) if t.kind != "COMMENT"]
    for name, args in calls_of(tokens, ("mas_find", "free_pgd_range", *WARN_MACROS)):
        if name == "mas_find" and len(args) == 2:
            e = _expr(args[1])
            if e is not None:
                uses.bounds.append(e)
        elif name == "free_pgd_range" and len(args) == 5:
            uses.floor = _expr(args[3])
            ceiling = _expr(args[4])
            if isinstance(ceiling, Cond):
                ceiling = ceiling.other  # next ? next->vm_start : ceiling
            uses.ceiling = ceiling
        elif name in WARN_MACROS and len(args) == 1 and uses.warn is None:
            uses.warn = _expr(args[0])
    return uses


def _skeleton(body: str, rename: dict[str, str]) -> list[str]:
    """The body's tokens with the modelled uses blanked: each mas_find() bound,
    free_pgd_range()'s floor and ceiling, WARN statements; names mapped by *rename*."""
    lines = [ln for ln in body.splitlines() if not ln.lstrip().startswith(("*", "/*"))]
    tokens = [t for t in tokenize("\n".join(lines)) if t.kind != "COMMENT"]
    spans: dict[int, tuple[int, str]] = {}  # token index -> (index after, placeholder)
    for i, t in enumerate(tokens):
        if t.kind != "IDENTIFIER" or i + 1 >= len(tokens) or tokens[i + 1].spelling != "(":
            continue
        if t.spelling not in ("mas_find", "free_pgd_range", *WARN_MACROS):
            continue
        depth, j, commas = 0, i + 2, [i + 1]
        while j < len(tokens):
            sp = tokens[j].spelling
            if sp in ("(", "[", "{"):
                depth += 1
            elif sp in (")", "]", "}"):
                if depth == 0:
                    break
                depth -= 1
            elif sp == "," and depth == 0:
                commas.append(j)
            j += 1
        if t.spelling in WARN_MACROS:
            end = j + 2 if j + 1 < len(tokens) and tokens[j + 1].spelling == ";" else j + 1
            spans[i] = (end, "")
        elif t.spelling == "mas_find" and len(commas) == 2:
            spans[commas[1] + 1] = (j, "<bound>")
        elif t.spelling == "free_pgd_range" and len(commas) == 5:
            spans[commas[3] + 1] = (j, "<floor, ceiling>")
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if i in spans:
            end, placeholder = spans[i]
            if placeholder:
                out.append(placeholder)
            i = end
            continue
        sp = tokens[i].spelling
        out.append(rename.get(sp, sp) if tokens[i].kind == "IDENTIFIER" else sp)
        i += 1
    return out


def unmodelled_change(change: SignatureChange) -> str | None:
    """Why the new body differs from the old one in code the model does not read
    from the body (the walk, the gathering, the unlinking), or None."""
    old_body, new_body = _pick_definition(change)
    if old_body is None or new_body is None:
        return None
    backward = {n: o for o, n in _aligned(change).items()}
    old = _skeleton(old_body, {})
    new = _skeleton(new_body, backward)
    if old == new:
        return None
    k = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b),
             min(len(old), len(new)))
    return (f"the new body changes code the model does not take from the body, near "
            f"`{' '.join(old[max(0, k - 3):k + 4])}` -> `{' '.join(new[max(0, k - 3):k + 4])}`")


def _pick_definition(change: SignatureChange) -> tuple[str | None, str | None]:
    """Old and new body of the definition that walks the tree."""
    best: tuple[int, str | None, str | None] = (-1, None, None)
    for d in change.declarations:
        if d.kind != "definition":
            continue
        text = (d.old_body or "") + (d.new_body or "")
        score = text.count("mas_find") * 4 + text.count("free_pgd_range") * 4
        score += 2 if d.file == change.file else 0
        score += 1 if d.body_complete else 0
        if score > best[0]:
            best = (score, d.old_body, d.new_body)
    return best[1], best[2]


def _param_of_type(params: list[Param], word: str, what: str) -> str:
    for p in params:
        if word in p.type and p.name:
            return p.name
    raise RolesError(f"no parameter of type {word} * ({what}) in the signature")


def _aligned(change: SignatureChange) -> dict[str, str]:
    """Old parameter name -> new parameter name, renames followed."""
    new_names = {p.name for p in change.new_params}
    mapping = {p.name: p.name for p in change.old_params if p.name in new_names}
    for r in change.renamed:
        mapping[r.old] = r.new
    return mapping


def _side(uses: BodyUses, params: list[Param], side: str) -> SideRoles:
    names = {p.name for p in params}
    exprs: dict[str, Expr] = {}
    from_code: dict[str, str] = {}
    for role, e, how in (
        ("first_bound", uses.bounds[0] if uses.bounds else None, "bounds the first mas_find()"),
        ("gather_bound", uses.bounds[1] if len(uses.bounds) > 1 else None,
         "bounds the gathering mas_find()"),
        ("floor", uses.floor, "reaches free_pgd_range() as floor"),
        ("ceiling", uses.ceiling, "reaches free_pgd_range() as ceiling"),
    ):
        if e is None:
            continue
        if not free_names(e) <= names | _MACRO_OK:
            raise RolesError(f"the {side} body's `{to_c(e)}` ({how.split(' ', 1)[1]}) is not "
                             "an expression of its parameters")
        exprs[role] = e
        from_code[role] = how
    warn = uses.warn if uses.warn is not None and free_names(uses.warn) <= names | _MACRO_OK \
        else None
    return SideRoles(params, exprs, warn, from_code, {},
                     _param_of_type(params, "vm_area_struct", f"{side} first VMA"),
                     _param_of_type(params, "ma_state", f"{side} maple state"))


_MACRO_OK = {"PMD_SIZE", "PUD_SIZE", "PGDIR_SIZE", "PAGE_SIZE", "FIRST_USER_ADDRESS",
             "USER_PGTABLES_CEILING", "TASK_SIZE", "ULONG_MAX"}


def _fill(target: SideRoles, source: SideRoles, rename: dict[str, str], why: str) -> None:
    """Roles *target* does not show, carried over from *source* through *rename*."""
    for role in ROLE_NAMES:
        if role in target.exprs or role not in source.exprs:
            continue
        e = source.exprs[role]
        if not free_names(e) - _MACRO_OK <= set(rename):
            continue
        target.exprs[role] = substitute(e, {o: Name(n) for o, n in rename.items()})
        target.assumed[role] = why


def establish(change: SignatureChange) -> Roles:
    """Roles of both sides of *change*; raises :class:`RolesError`."""
    why = unmodelled_change(change)
    if why is not None:
        raise RolesError(why)
    old_body, new_body = _pick_definition(change)
    old = _side(read_body(old_body), change.old_params, "old")
    new = _side(read_body(new_body), change.new_params, "new")
    for r in (old, new):  # one visible mas_find(): the other one is alike
        for a, b in (("first_bound", "gather_bound"), ("gather_bound", "first_bound")):
            if a in r.exprs and b not in r.exprs:
                r.exprs[b] = r.exprs[a]
                r.assumed[b] = f"like the {a.replace('_', ' ')} (the other mas_find() not visible)"
    forward = _aligned(change)
    backward = {n: o for o, n in forward.items()}
    _fill(new, old, forward, "not visible; kept from the aligned old parameter")
    _fill(old, new, backward, "not visible; kept from the aligned new parameter")
    for role, pos in (("floor", KERNEL_FLOOR_POS), ("ceiling", KERNEL_CEILING_POS)):
        if role not in old.exprs and pos < len(change.old_params):
            p = change.old_params[pos]
            if "long" in p.type and p.name:
                old.exprs[role] = Name(p.name)
                old.assumed[role] = (f"not visible; the kernel's free_pgtables() passes "
                                     f"parameter {pos + 1} to free_pgd_range()")
    if "first_bound" not in old.exprs and "ceiling" in old.exprs:
        # before the series the loop searched up to the ceiling
        for b in ("first_bound", "gather_bound"):
            old.exprs[b] = Binary("-", old.exprs["ceiling"], Num(1, "1"))
            old.assumed[b] = "not visible; the kernel's loop searched up to ceiling - 1"
    _fill(new, old, forward, "not visible; kept from the aligned old parameter")
    for side, r in (("old", old), ("new", new)):
        missing = [k for k in ROLE_NAMES if k not in r.exprs]
        if missing:
            raise RolesError(f"the {side} body of {change.function}() does not show "
                             f"{', '.join(missing)} and no aligned parameter supplies it")
    return Roles(old, new)
