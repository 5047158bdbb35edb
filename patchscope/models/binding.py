"""A call site's context and arguments, bound to a scenario's values.

The caller's text before the call says which tree the walk uses and where it
starts (the last ``mas_set``/``vma_iter_set`` on the maple state passed).
Caller names get the values ``mm/vma.c`` gives them: ``vma`` the first VMA
handed over, ``prev``/``next`` the neighbours of the region being unmapped,
``vms->unmap_start``/``unmap_end`` their bounds; any other name is a free
value tried over the layout's interesting points.  Old and new arguments of
one call are evaluated under the same binding.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from patchscope.arch import ArchProfile
from patchscope.cexpr import (
    EvalError,
    Expr,
    Member,
    Num,
    chain_text,
    evaluate,
    free_chains,
    free_names,
    parse_expr,
    to_c,
    walk,
)
from patchscope.clang import tokenize
from patchscope.core import Argument, CallSite
from patchscope.errors import ParseError
from patchscope.models.maple import Vma
from patchscope.models.roles import Roles, SideRoles, calls_of
from patchscope.models.scenarios import DETACHED, MM, Scenario

KNOWN_NAMES = frozenset({"vma", "prev", "next", "vms"})
MAX_FREE_NAMES = 2


class BindError(Exception):
    """An argument cannot be bound: the verdict is unknown, with this reason."""


class Vms(NamedTuple):
    """The fields of ``struct vma_munmap_struct`` a call may read."""

    vma: Vma
    prev: Vma | None
    next: Vma | None
    unmap_start: int
    unmap_end: int
    start: int
    end: int
    vma_count: int


def read_chain(env: dict[str, object], chain: tuple[str, ...]) -> object:
    """The value a member chain reads (what the memo keys on), or None."""
    v: object = env.get(chain[0])
    if len(chain) > 1:
        for f in chain[1:]:
            v = v.get(f) if isinstance(v, dict) else getattr(v, f, None)
    return v


def _hashable(v: object) -> object:
    """A memo key part: the vms mapping (free fields bound) as its items."""
    return tuple(sorted(v.items())) if isinstance(v, dict) else v


def _key(text: str) -> str:
    t = "".join(text.split()).lstrip("&")
    for suffix in (".mas", "->mas"):
        if t.endswith(suffix):
            t = t[: -len(suffix)]
    return t


def _last_set(context: str | None, mas_text: str) -> tuple[str, str, str] | None:
    """The last ``mas_set(X, E)``/``vma_iter_set(X, E)`` on *mas_text*: (call, X, E)."""
    if not context:
        return None
    tokens = [t for t in tokenize(context) if t.kind != "COMMENT"]
    found = None
    for name, args in calls_of(tokens, ("mas_set", "vma_iter_set")):
        if len(args) == 2:
            x = "".join(a.spelling for a in args[0])
            e = " ".join(a.spelling for a in args[1])
            if _key(x) == _key(mas_text):
                found = (name, x, e)
    return found


def _arg_for(args: list[Argument], side: SideRoles, name: str) -> Argument:
    names = [p.name for p in side.params]
    if len(args) == len(names):
        return args[names.index(name)]
    for a in args:
        if a.param == name:
            return a
    raise BindError(f"no argument is aligned to parameter {name}")


def _parse(arg: Argument) -> Expr:
    try:
        return parse_expr(arg.text)
    except ParseError as exc:
        raise BindError(f"cannot read argument `{arg.text}`: {exc}") from None


class Binder:
    """Evaluates one call site's old and new arguments in scenarios."""

    def __init__(self, roles: Roles, call: CallSite, profile: ArchProfile) -> None:
        if call.old_args is None or call.new_args is None:
            raise BindError("the call has no old or no new arguments to compare")
        self.profile = profile
        self.macros = set(profile.macros)
        self.sides: list[dict[str, Expr]] = []  # per side: param -> argument expression
        self.vma_exprs: list[Expr] = []
        for side, args in ((roles.old, call.old_args), (roles.new, call.new_args)):
            wanted = (side.names() - self.macros) | {side.vma_param}
            # in parameter order: counterexamples list arguments as the call does,
            # the same in every process (a set's order is not)
            exprs = {p.name: _parse(_arg_for(args, side, p.name)) for p in side.params
                     if p.name in wanted}
            self.sides.append(exprs)
            self.vma_exprs.append(exprs[side.vma_param])
        mas_arg = _arg_for(call.new_args, roles.new, roles.new.mas_param).text
        self.mas_text = mas_arg
        found = _last_set(call.new_context or call.old_context, mas_arg)
        self.start: dict[str, Expr | None] = {}
        if found is None:
            self.trees: tuple[str, ...] = (MM, DETACHED)
            self.start = {MM: None, DETACHED: None}
            self.context = (f"no mas_set()/vma_iter_set() on `{mas_arg}` before the call: "
                            "both trees tried (mm from vma->vm_end, detached from 1)")
        else:
            func, x, e = found
            try:
                start = parse_expr(e)
            except ParseError as exc:
                raise BindError(f"cannot read the start position `{e}`: {exc}") from None
            if "detach" in _key(x):
                self.trees = (DETACHED,)
            elif isinstance(start, Num):
                self.trees = (MM, DETACHED)
            else:
                self.trees = (MM,)
            self.start = {t: start for t in self.trees}
            self.context = (f"{'/'.join(self.trees)} tree, walk started by "
                            f"`{func}({x}, {to_c(start)})` before the call")
        names: set[str] = set()
        for exprs in self.sides:
            for ex in exprs.values():
                names |= free_names(ex)
        for st in self.start.values():
            if st is not None:
                names |= free_names(st)
        self.free = sorted(names - KNOWN_NAMES - self.macros)
        for n in self.free:
            for ex in [*self.sides[0].values(), *self.sides[1].values()]:
                if any(isinstance(s, Member) and getattr(s.base, "name", None) == n
                       for s in walk(ex)):
                    raise BindError(f"cannot bind `{n}`: a pointer the caller's context "
                                    "does not define")
        # fields of the munmap state that mm/vma.c's meaning does not give: free values
        every = [*self.sides[0].values(), *self.sides[1].values(),
                 *(st for st in self.start.values() if st is not None)]
        chains: set[str] = set().union(*(free_chains(ex) for ex in every))
        self.free_fields = sorted(c.split("->", 1)[1] for c in chains
                                  if c.startswith("vms->") and c.count("->") == 1
                                  and c.split("->", 1)[1] not in Vms._fields)
        for c in sorted(chains):
            parts = c.replace("->", ".").split(".")
            if parts[0] in ("vma", "prev", "next") and len(parts) > 1 and \
                    parts[1] not in ("vm_start", "vm_end"):
                raise BindError(f"cannot bind `{c}`: the model's VMAs have only vm_start "
                                "and vm_end")
        self.free += [f"vms->{f}" for f in self.free_fields]
        if len(self.free) > MAX_FREE_NAMES:
            raise BindError(f"too many free names to bind: {', '.join(self.free)}")
        self._cache: dict[tuple[object, ...], object] = {}
        self._recs: dict[int, tuple[bool, tuple[tuple[str, ...], ...]]] = {}

    def env(self, sc: Scenario) -> dict[str, object]:
        p = self.profile
        first = sc.vmas[sc.first]
        prev, nxt = sc.prev, sc.next
        vms = Vms(first, prev, nxt, prev.vm_end if prev else p.first_user_address,
                  nxt.vm_start if nxt else p.user_pgtables_ceiling, first.vm_start,
                  sc.vmas[sc.last].vm_end, sc.last - sc.first + 1)
        return {"vma": first, "prev": prev, "next": nxt, "vms": vms}

    def free_values(self, sc: Scenario) -> list[int]:
        p = self.profile
        pts = {0, p.first_user_address, p.user_pgtables_ceiling}
        for v in sc.vmas:
            pts |= {v.vm_start, v.vm_end}
        if sc.tree == DETACHED:  # a detached tree is indexed by sequence number
            pts |= set(range(1, sc.last - sc.first + 2))
        return sorted(pts)

    def bindings(self, sc: Scenario, sample: int | None = None) -> Iterator[dict[str, object]]:
        """The caller environments of *sc*: one per choice of free values."""
        env = self.env(sc)
        if not self.free:
            yield env
            return
        values = self.free_values(sc)
        if sample is not None:  # random scenarios: one choice
            combos: Iterable[tuple[int, ...]] = [tuple(
                values[(sample + 7 * i) % len(values)] for i in range(len(self.free)))]
        else:
            combos = itertools.product(values, repeat=len(self.free))
        for combo in combos:
            chosen = dict(zip(self.free, combo, strict=True))
            out = {**env, **chosen}
            if self.free_fields:
                vms = env["vms"]
                assert isinstance(vms, Vms)
                out["vms"] = {**vms._asdict(),
                              **{f: chosen[f"vms->{f}"] for f in self.free_fields}}
            yield out

    def value(self, expr: Expr, env: dict[str, object]) -> object:
        """``evaluate``, memoised on the values of the member chains *expr* reads."""
        rec = self._recs.get(id(expr))
        if rec is None:
            chains = tuple(tuple(c.replace("->", ".").split("."))
                           for c in sorted(free_chains(expr)))
            own = chain_text(expr)
            plain = own is not None and not free_names(expr) & self.macros
            if plain and own is not None:
                chains = (tuple(own.replace("->", ".").split(".")),)
            rec = self._recs[id(expr)] = (plain, chains)
        plain, chains = rec
        if plain:  # a name or a member chain: its value is the field read, no arithmetic
            return read_chain(env, chains[0])
        k = (id(expr), *[_hashable(read_chain(env, c)) for c in chains])
        hit = self._cache.get(k, self)
        if hit is self:
            hit = evaluate(expr, env, self.profile)
            self._cache[k] = hit
        return hit

    def start_index(self, sc: Scenario, env: dict[str, object]) -> int:
        expr = self.start.get(sc.tree)
        if expr is None:
            return sc.vmas[sc.first].vm_end if sc.tree == MM else 1
        v = self.value(expr, env)
        if not isinstance(v, int):
            raise EvalError(f"start position `{to_c(expr)}` is not a number")
        return v
