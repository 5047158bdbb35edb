"""The fast engine: one compiled pass over all scenarios of a call site.

The reference (:meth:`free_pgtables.Runner.run`) binds, evaluates and runs
the loop scenario by scenario, for old and new.  Profiling showed that the
loop is a fifth of the time and the binding and evaluation the rest, and
that in nearly every scenario old and new give the loop the same inputs, so
their observations are equal without running it.  This engine therefore

- builds, once per process and scenario list, the caller's values of every
  scenario (the first VMA, its neighbours, the munmap state), shared by every
  call site;
- translates the call's argument, start and role expressions into one Python
  function (:mod:`.compiled`) that computes, per scenario, the loop's inputs
  on both sides and keeps only the scenarios where they differ or the new
  WARN fires;
- runs the reference loop on those scenarios alone.

The outcome is the reference's by construction where it matters (the
scenarios it reports are re-run through the reference), and the tests compare
the two engines' inputs and observations on every grid scenario and on
hypothesis-drawn layouts.  A call site whose expressions the translation does
not cover, with free caller names, or where a scenario needs the reference's
error message, returns None: the caller runs the reference instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from patchscope.arch import ArchProfile
from patchscope.models.binding import Binder, Vms
from patchscope.models.compiled import (
    NU,
    VMA,
    VMS,
    Fallback,
    Translator,
    U,
    Unsupported,
    not_none,
    null,
)
from patchscope.models.loop import CalleeValues, Observation, run_free_pgtables
from patchscope.models.maple import Vma
from patchscope.models.roles import Roles, SideRoles
from patchscope.models.scenarios import MM, Scenario

# (first VMA, prev, next, munmap state, mm tree?) of one scenario
Row = tuple[Vma, Vma | None, Vma | None, Vms, bool]
_ROWS: dict[tuple[object, ...], tuple[tuple[Scenario, ...], list[Row]]] = {}
_CODE: dict[str, object] = {}


def rows_of(scenarios: tuple[Scenario, ...], profile: ArchProfile) -> list[Row]:
    """The caller's values of each scenario, as :meth:`Binder.env` gives them."""
    key = (id(scenarios), profile.name, profile.first_user_address,
           profile.user_pgtables_ceiling)
    hit = _ROWS.get(key)
    if hit is not None and hit[0] is scenarios:
        return hit[1]
    low, ceiling = profile.first_user_address, profile.user_pgtables_ceiling
    rows: list[Row] = []
    for sc in scenarios:
        vmas = sc.vmas
        first = vmas[sc.first]
        prev, nxt = sc.prev, sc.next
        vms = Vms(first, prev, nxt, prev.vm_end if prev else low,
                  nxt.vm_start if nxt else ceiling, first.vm_start, vmas[sc.last].vm_end,
                  sc.last - sc.first + 1)
        rows.append((first, prev, nxt, vms, sc.tree == MM))
    if len(_ROWS) > 16:
        _ROWS.clear()
    _ROWS[key] = (scenarios, rows)  # the tuple is kept alive: its id stays its own
    return rows


@dataclass(frozen=True)
class Inputs:
    """What one scenario hands the loop on each side."""

    index: int  # position in the scenario list
    start: int
    old_first: Vma
    old: CalleeValues
    new_first: Vma
    new: CalleeValues


@dataclass
class Pass:
    """The compiled pass over a scenario list."""

    valid: list[bool]  # both first-VMA arguments are VMAs: the scenario counts
    warns: list[int]  # indexes where the new WARN fires
    differ: list[Inputs]  # scenarios where old and new hand the loop different inputs


CALLER = {"vma": ("vma", VMA), "prev": ("prev", VMA), "next": ("next_", VMA),
          "vms": ("vms", VMS)}


def _side_source(tr: Translator, binder: Binder, side: int, roles: SideRoles,
                 tag: str) -> tuple[list[str], str, str]:
    """Statements computing one side's first VMA and callee values; their names."""
    lines: list[str] = []
    params: dict[str, tuple[str, str]] = {}
    for k, (name, expr) in enumerate(binder.sides[side].items()):
        code = tr.value(expr)
        var = f"{tag}{k}"
        lines.append(f"{var} = {code.src}")
        kind = code.kind if code.kind in (VMA, VMS, NU) else U
        params[name] = (var, kind)
    first_var, first_kind = params[roles.vma_param]
    if first_kind != VMA:
        raise Unsupported("the first VMA argument is not a VMA pointer")
    inner = Translator(tr.profile, params)
    values = []
    for role in ("first_bound", "gather_bound", "floor", "ceiling"):
        c = inner.value(roles.exprs[role])
        if c.kind == NU:
            values.append(f"not_none({c.src})")
        elif c.kind in (VMA, VMS):
            raise Unsupported(f"the {role} is a pointer")
        else:
            values.append(c.src)
    warn = "False" if roles.warn is None else f"bool({inner.value(roles.warn).src})"
    return lines, first_var, f"({', '.join(values)}, {warn})"


def source(binder: Binder, roles: Roles, profile: ArchProfile, every: bool = False) -> str:
    """The pass of one call site as Python source (the same text for the same
    expressions: call sites with the same text share one pass).  *every*:
    keep the inputs of every scenario, not only of those that differ (tests)."""
    if binder.free:
        raise Unsupported("free caller names")
    tr = Translator(profile, dict(CALLER))
    starts = []
    for tree in (MM, "detached"):
        expr = binder.start.get(tree)
        if expr is None:
            starts.append("vma[2]" if tree == MM else "1")
            continue
        c = tr.value(expr)
        if c.kind == NU:
            starts.append(f"not_none({c.src})")
        elif c.kind in (VMA, VMS):
            raise Unsupported("the start position is a pointer")
        else:
            starts.append(c.src)
    old_lines, old_first, old_vals = _side_source(tr, binder, 0, roles.old, "o")
    new_lines, new_first, new_vals = _side_source(tr, binder, 1, roles.new, "n")
    ind = " " * 8
    body = [
        "def scan(rows):",
        "    valid = []",
        "    warns = []",
        "    differ = []",
        "    for k, (vma, prev, next_, vms, mm) in enumerate(rows):",
        f"{ind}start = ({starts[0]}) if mm else ({starts[1]})",
        *(ind + ln for ln in old_lines),
        f"{ind}if {old_first} is None:",
        f"{ind}    valid.append(False)",
        f"{ind}    continue",
        f"{ind}ov = {old_vals}",
        *(ind + ln for ln in new_lines),
        f"{ind}if {new_first} is None:",
        f"{ind}    valid.append(False)",
        f"{ind}    continue",
        f"{ind}nv = {new_vals}",
        f"{ind}valid.append(True)",
        f"{ind}if nv[4]:",
        f"{ind}    warns.append(k)",
        f"{ind}if {'True' if every else f'ov != nv or {old_first} != {new_first}'}:",
        f"{ind}    differ.append((k, start, {old_first}, ov, {new_first}, nv))",
        "    return valid, warns, differ",
    ]
    return "\n".join(body) + "\n"


def compiled_pass(src: str, rows: Sequence[Row]) -> Pass | None:
    """Run the pass of *src* over *rows*; None where a scenario needs the reference."""
    fn = _CODE.get(src)
    if fn is None:
        namespace: dict[str, object] = {"null": null, "not_none": not_none}
        exec(compile(src, "<patchscope.models.fast>", "exec"), namespace)  # noqa: S102
        fn = _CODE[src] = namespace["scan"]
    try:
        valid, warns, differ = fn(rows)  # type: ignore[operator]
    except Fallback:
        return None
    return Pass(valid, warns, [Inputs(k, s, of, CalleeValues(*ov), nf, CalleeValues(*nv))
                               for k, s, of, ov, nf, nv in differ])


def same_walk(sc: Scenario, inp: Inputs) -> bool:
    """Whether old and new walk, gather and free alike without running the loop:
    they differ at most in the mas_find() bounds, and every bound is at or past
    the walk's start and the last entry of the tree, where ``mas_find`` cannot
    tell bounds apart (it only compares them with those).  The WARN aside."""
    ov, nv = inp.old, inp.new
    if (inp.old_first, ov.floor, ov.ceiling) != (inp.new_first, nv.floor, nv.ceiling):
        return False
    last = sc.vmas[-1].vm_start if sc.tree == MM else sc.last - sc.first
    reach = max(inp.start, last)
    return min(ov.first_bound, ov.gather_bound, nv.first_bound, nv.gather_bound) >= reach


def observations(runner: object, sc: Scenario, inp: Inputs) -> tuple[Observation, Observation]:
    """Old and new observations of one differing scenario, as the reference runs them."""
    from patchscope.models.free_pgtables import Runner

    assert isinstance(runner, Runner)
    tree, present = runner._layout(sc)
    vmas = list(sc.vmas)
    old = run_free_pgtables(runner.geo, vmas, tree, inp.start, inp.old_first, inp.old, present,
                            runner.memo)
    ov, nv = inp.old, inp.new
    if (inp.new_first, nv.first_bound, nv.gather_bound, nv.floor, nv.ceiling) == \
            (inp.old_first, ov.first_bound, ov.gather_bound, ov.floor, ov.ceiling):
        return old, Observation(old.unlinked, old.pgd_calls, old.freed, nv.warn)
    return old, run_free_pgtables(runner.geo, vmas, tree, inp.start, inp.new_first, nv, present,
                                  runner.memo)
