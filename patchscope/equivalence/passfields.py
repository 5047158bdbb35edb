"""Struct fields through the callers: the packed shape of :mod:`.passon` (issue 11.2).

``unmap_region(struct unmap_desc *desc)`` loads ``pg_max = desc->pg_max`` at
its top and passes ``pg_max`` to ``free_pgtables()``; a later patch passes
``desc->pg_max`` itself.  Decided through the callers of ``unmap_region()``,
each binds ``desc := &desc`` (its local struct), so the inner call's argument
is ``desc.pg_max`` of that caller: what the caller stored there (an
initializer macro, an init helper, an assignment; :mod:`.packed`).  A local of
the enclosing function declared from its parameters before the call
(``unsigned long pg_max = desc->pg_max;``) is bound like a parameter: its
initializer under the caller's binding.

Nothing here is assumed silently: a local written after its declaration, a
field the caller never sets, a statement of the caller's that is not a
struct builder, leave the inner call unknown; what a call between the fill
and the call might write is an assumption named in the verdict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from patchscope.arch import ArchProfile
from patchscope.cexpr import parse_expr, to_c
from patchscope.cexpr.expr_ast import free_names, simplify, value_chains
from patchscope.clang import Token
from patchscope.core import Support
from patchscope.equivalence.callers import Binding, bound_args
from patchscope.equivalence.catalogue import current
from patchscope.equivalence.context import Definitions, context_definitions
from patchscope.equivalence.packed import packed_steps
from patchscope.equivalence.uses import assigned_names
from patchscope.errors import ParseError

_TYPE_WORDS = frozenset({"struct", "union", "enum", "const", "unsigned", "signed", "long", "int",
                         "short", "char", "bool", "_Bool", "*"})


@dataclass
class Local:
    """``T name = init;`` in the enclosing function before the call."""

    name: str
    init: str
    spellings: tuple[str, ...]  # the declaration's tokens


@dataclass
class FieldBinding:
    """What one caller's binding adds for the fields it packs."""

    old: dict[str, str] = field(default_factory=dict)  # local -> its value under the binding
    new: dict[str, str] = field(default_factory=dict)
    defs: tuple[Definitions, Definitions] | None = None
    steps: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    support: list[Support] = field(default_factory=list)


def locals_from(tokens: list[Token], params: set[str]) -> list[Local] | None:
    """The declarations ``T name = E;`` in *tokens* (the enclosing body up to the
    call) whose initializer reads only *params*; None when a later statement
    writes such a local or what it read."""
    code = [t for t in tokens if t.kind != "COMMENT"]
    out: list[Local] = []
    start = 0
    depth = [0]  # block depth before each token, relative to the first
    for t in code:
        depth.append(depth[-1] + {"{": 1, "}": -1}.get(t.spelling, 0))
    seen: set[str] = set()
    for k, t in enumerate(code):
        if t.spelling in (";", "{", "}"):
            stmt = code[start:k]
            start = k + 1
            if stmt and min(depth[k:]) < depth[k]:
                continue  # its block closes before the call: not the name the call reads
            eq = next((i for i, x in enumerate(stmt) if x.spelling == "="), None)
            if eq is None or eq < 2 or stmt[eq - 1].kind != "IDENTIFIER" or t.spelling != ";":
                continue
            if any(x.spelling not in _TYPE_WORDS and x.kind != "IDENTIFIER"
                   for x in stmt[:eq - 1]):
                continue
            text = " ".join(x.spelling for x in stmt[eq + 1:])
            try:
                e = parse_expr(text)
            except ParseError:
                continue
            chains = value_chains(e)
            if not chains or any(c.replace("->", ".").split(".")[0] not in params
                                 for c in chains):
                continue
            later = code[k + 1:]
            written = assigned_names(later)
            name = stmt[eq - 1].spelling
            if name in seen:
                return None  # declared twice: which one the call reads is not clear
            seen.add(name)
            roots = {c.replace("->", ".").split(".")[0] for c in chains}
            if name in written or chains & written or roots & written:
                return None
            out.append(Local(name, to_c(simplify(e)),
                             tuple(x.spelling for x in stmt) + (";",)))
    return out


def field_binding(before: dict[str, list[Token]], old_args: list[str], new_args: list[str],
                  b: Binding, changed_since: set[str], enclosing: str, callee: str, file: str
                  ) -> FieldBinding | str:
    """The locals and struct fields one caller's binding reaches; a reason
    when they cannot be known.  *changed_since*: the files the patches after
    the one the binding was read from change (this one included)."""
    out = FieldBinding()
    names = {"old": set(b.old), "new": set(b.new)}
    found = {}
    for side in ("old", "new"):
        got = locals_from(before.get(side, []), names[side])
        if got is None:
            return (f"{enclosing}() writes a local it declared from its parameters before "
                    f"its call of {callee}()")
        found[side] = {x.name: x for x in got if x.name not in names[side]}
    for side, args, binding, target in (("old", old_args, b.old, out.old),
                                        ("new", new_args, b.new, out.new)):
        read = {w for a in args for w in _words(a)}
        for name, local in found[side].items():
            if name not in read:
                continue
            bound = bound_args([local.init], binding)
            if bound is None:
                return f"the initializer of {name} in {enclosing}() cannot be read"
            target[name] = bound[0]
            out.steps.append(f"{name} is the local `{' '.join(local.spellings)}` of "
                             f"{enclosing}() ({side} side): {name} := {bound[0]} with what "
                             f"{b.caller}() passes")
            other = "new" if side == "old" else "old"
            if side == "old" and name not in found[other] and \
                    name not in {w for a in new_args for w in _words(a)}:
                note = (f"{enclosing}() names {name} nowhere after the patch removes its "
                        "declaration (it would not compile)")
                out.support.append(Support(file, "old", local.spellings,
                                           f"the local {name} of {enclosing}(), read by the "
                                           f"call of {callee}()", note))
    site = b.site
    if site is not None and site.new_context is not None:
        defs = context_definitions(site.old_context, site.new_context,
                                   frozenset({site.function}))
        if defs is not None and (defs[0].packing or defs[1].packing):
            if b.later and site.file in changed_since:
                # a hunk far above the call may change what the caller stores
                return (f"{site.file} changes after patch {b.index}: what {b.caller}() "
                        "stores in its struct is not known")
            before_patch = current().side("old")
            # an earlier patch's caller: its text is read for the old call too
            for d in defs if b.later else ():
                for shape in d.packing.shapes if d.packing else []:
                    was = before_patch.find(shape.kind, shape.name)
                    if was is None or (was.params, was.body) != (shape.params, shape.body):
                        # the old call ran with the definition as it was
                        return (f"{shape.label} is not what it was before this patch: "
                                f"{b.caller}()'s struct is not read")
            out.defs = defs
            out.steps += packed_steps(defs, f"{b.caller}()")
            out.assumptions += [a for d in defs if d.packing for a in d.packing.assumed]
    return out


def resolve_args(args: list[str], defs: Definitions) -> list[str] | str:
    """*args* with the caller's struct fields replaced by what it stored."""
    out = []
    for a in args:
        try:
            e = simplify(parse_expr(a))
        except ParseError:
            return f"`{a}` cannot be parsed"
        r = simplify(defs.resolve(e))
        unset = defs.unknown_fields(r)
        if unset:
            return (f"the caller never sets {', '.join(unset)}: its value is not known "
                    "(no initializer zeroes it)")
        out.append(to_c(r))
    return out


def _words(text: str) -> set[str]:
    return set(re.findall(r"(?<![.>])\b[A-Za-z_]\w*", text))


_CONSTANT = re.compile(r"^[A-Z][A-Z0-9_]*$")


def unbound_reads(old_args: list[str], new_args: list[str], old: dict[str, str],
                  new: dict[str, str], profile: ArchProfile) -> list[str]:
    """Names the arguments read that the callers' binding does not fill in: in
    a changed argument, any (a local of the enclosing function, or a global,
    constants aside); in one that reads the same, a name bound on one side
    only (the old parameter `mas` and the new local `mas` are different
    variables)."""
    out: set[str] = set()
    for a, b in zip(old_args, new_args, strict=True):
        try:
            names = {"old": free_names(parse_expr(a)), "new": free_names(parse_expr(b))}
        except ParseError:
            continue
        if a == b:
            out |= {n for n in names["old"] if (n in old) != (n in new)}
            continue
        for side, bound in (("old", old), ("new", new)):
            out |= {n for n in names[side] if n not in bound and not _CONSTANT.match(n)
                    and n not in profile.macros and n not in ("NULL", "true", "false")}
    return sorted(out)
