"""The free_pgtables() model: old and new calls over many layouts.

Per scenario the caller's names are bound (:mod:`binding`), each side's
arguments give its parameters, each body's role expressions (:mod:`roles`)
give the values the loop uses (:class:`loop.CalleeValues`), and the loop runs
on the layout's trees and page tables.  Any difference in the observations
refutes the call; a scenario where the new WARN fires is reported as well.
"""

from __future__ import annotations

from dataclasses import dataclass

from patchscope.arch import ArchProfile
from patchscope.cexpr import EvalError, Expr, chain_text, free_names, to_c, unknown_constants
from patchscope.core import Basis, CallSite, Counterexample, SignatureChange, Verdict, VerdictKind
from patchscope.models import KernelModel, ModelResult, register
from patchscope.models import counterexample as cx
from patchscope.models.binding import Binder, BindError, read_chain
from patchscope.models.loop import CalleeValues, Observation, run_free_pgtables
from patchscope.models.maple import MapleTree, Vma
from patchscope.models.pgtable import Freed, Runs, TableGeometry
from patchscope.models.roles import Roles, RolesError, SideRoles, establish
from patchscope.models.scenarios import MM, Scenario, grid, random_scenarios
from patchscope.progress import Progress


@dataclass
class Outcome:
    """One scenario under one binding."""

    start: int
    old_args: dict[str, object]
    new_args: dict[str, object]
    old: Observation
    new: Observation
    free: dict[str, object]  # the caller's free names (and vms fields) and their values


_Memo = dict[tuple[object, ...], tuple[tuple[Runs, ...], Freed]]
_Layouts = dict[tuple[object, ...], tuple[MapleTree, tuple[Runs, ...]]]
_SHARED: dict[TableGeometry, tuple[_Memo, _Layouts]] = {}


class Runner:
    """Everything fixed for one call site; :meth:`run` does one scenario."""

    def __init__(self, roles: Roles, binder: Binder, profile: ArchProfile) -> None:
        self.roles = roles
        self.binder = binder
        self.profile = profile
        self.geo = TableGeometry.of(profile)
        # shared by every call site of a run on this geometry: layouts repeat across them
        self.memo, self.layouts = _SHARED.setdefault(self.geo, ({}, {}))
        # per side: (parameter, member chain if the argument is only that, expression)
        self.readers = [[(n, _chain(e, binder), e) for n, e in side.items()]
                        for side in binder.sides]
        self.role_params = {id(r): sorted(r.names() & {p.name for p in r.params})
                            for r in (roles.old, roles.new)}
        self.values_memo: dict[tuple[object, ...], CalleeValues] = {}
        self.role_text = {
            "old": {k: to_c(v) for k, v in roles.old.exprs.items()},
            "new": {k: to_c(v) for k, v in roles.new.exprs.items()},
        }

    def _callee(self, roles: SideRoles, params: dict[str, object]) -> CalleeValues:
        # keyed on the parameters the role expressions read (not the first VMA)
        key = (id(roles), *[params.get(n) for n in self.role_params[id(roles)]])
        hit = self.values_memo.get(key)
        if hit is None:
            hit = self.values_memo[key] = self._callee_values(roles, params)
        return hit

    def _callee_values(self, roles: SideRoles, params: dict[str, object]) -> CalleeValues:
        value = self.binder.value

        def num(e: Expr) -> int:
            v = value(e, params)
            if not isinstance(v, int):
                raise EvalError(f"`{to_c(e)}` is not a number")
            return v
        warn = bool(value(roles.warn, params)) if roles.warn is not None else False
        ex = roles.exprs
        return CalleeValues(num(ex["first_bound"]), num(ex["gather_bound"]), num(ex["floor"]),
                            num(ex["ceiling"]), warn)

    def _layout(self, sc: Scenario) -> tuple[MapleTree, tuple[Runs, ...]]:
        """The tree walked and the tables present; shared by a layout's choices."""
        key = (sc.vmas, sc.zero_at) if sc.tree == MM else (sc.vmas, sc.first, sc.last)
        hit = self.layouts.get(key)
        if hit is None:
            vmas = list(sc.vmas)
            if sc.tree == MM:
                tree = MapleTree.by_address(vmas, sc.zero_at)
                # past an XA_ZERO_ENTRY the tree holds the parent's VMAs: no tables here
                owned = vmas if sc.zero_at is None else vmas[: sc.zero_at]
            else:
                tree = MapleTree.by_sequence(vmas[sc.first: sc.last + 1])
                owned = vmas
            hit = (tree, self.geo.present_for([(v.vm_start, v.vm_end) for v in owned]))
            if len(self.layouts) > 65536:
                self.layouts.clear()
                self.memo.clear()
            self.layouts[key] = hit
        return hit

    def run(self, sc: Scenario, sample: int | None = None) -> list[Outcome]:
        b = self.binder
        vmas = list(sc.vmas)
        tree, present = self._layout(sc)
        out = []
        for env in b.bindings(sc, sample):
            start = b.start_index(sc, env)
            sides = []
            for i, roles in enumerate((self.roles.old, self.roles.new)):
                params = {n: read_chain(env, ch) if ch else b.value(e, env)
                          for n, ch, e in self.readers[i]}
                first = params[roles.vma_param]
                if not isinstance(first, Vma):
                    break  # NULL first VMA: the kernel would not call this
                sides.append((params, first, self._callee(roles, params)))
            if len(sides) < 2:
                continue
            (op, of, ov), (np_, nf, nv) = sides
            old = run_free_pgtables(self.geo, vmas, tree, start, of, ov, present, self.memo)
            if (nf, nv.first_bound, nv.gather_bound, nv.floor, nv.ceiling) == \
                    (of, ov.first_bound, ov.gather_bound, ov.floor, ov.ceiling):
                # same inputs to a deterministic loop: same observations
                new = old if nv.warn == ov.warn else Observation(old.unlinked, old.pgd_calls,
                                                                 old.freed, nv.warn)
            else:
                new = run_free_pgtables(self.geo, vmas, tree, start, nf, nv, present, self.memo)
            out.append(Outcome(start, op, np_, old, new, {n: env[n] for n in b.free}))
        return out

    def differs(self, sc: Scenario, acts: bool) -> Outcome | None:
        """An outcome of *sc* where old and new differ (in what they do, if *acts*)."""
        for o in self.run(sc):
            if acts and _acts(o.old) != _acts(o.new):
                return o
            if not acts and cx.difference(o.old, o.new, self.geo.spans) is not None:
                return o
        return None

    def warns(self, sc: Scenario) -> Outcome | None:
        for o in self.run(sc):
            if o.new.warn:
                return o
        return None

    def counterexample(self, sc: Scenario, o: Outcome, what: str) -> Counterexample:
        roles = {f"{side} {role}": text for side, d in self.role_text.items()
                 for role, text in d.items()}
        made = cx.make(self.profile.name, sc, o.start, roles, o.old_args, o.new_args, o.old,
                       o.new, self.geo.spans, what)
        for name, value in o.free.items():
            made.scenario[f"caller {name}"] = value
        return made


def _chain(e: Expr, binder: Binder) -> tuple[str, ...] | None:
    text = chain_text(e)
    if text is None or free_names(e) & binder.macros:
        return None
    return tuple(text.replace("->", ".").split("."))


def _show(v: object, top: bool = False) -> str:
    """A value in words; *top*: a limit or ceiling, where 0 stands for the top."""
    if isinstance(v, Vma):
        return v.label
    if top and v == 0:
        return "0 (the top)"
    return f"{v:#x}" if isinstance(v, int) else "NULL" if v is None else str(v)


def _warn_text(roles: Roles) -> str:
    w = roles.new.warn
    return f"WARN_ON_ONCE({to_c(w)})" if w is not None else "the WARN"


def _acts(obs: Observation) -> tuple[object, ...]:
    """What a call does to the mm, its WARN aside."""
    return (obs.unlinked, obs.pgd_calls, obs.freed)


@dataclass
class Scan:
    """What a pass over a call site's scenarios found: the counts, the first
    difference (one in what the calls do if any, else the WARN alone) and the
    first scenario where the new WARN fires."""

    ran: int
    ran_random: int
    found: tuple[Scenario, Outcome, str] | None
    warned: tuple[Scenario, Outcome] | None
    shared: bool = False


def _reference_scan(runner: Runner, call: CallSite, grid_sc: tuple[Scenario, ...],
                    random_sc: tuple[Scenario, ...], progress: Progress) -> Scan:
    """The reference: every scenario bound, evaluated and run, in order."""
    ran = ran_random = 0
    found: tuple[Scenario, Outcome, str] | None = None
    behaves: tuple[Scenario, Outcome, str] | None = None
    warned: tuple[Scenario, Outcome] | None = None
    planned = len(grid_sc) + len(random_sc)
    site = f"{call.caller}() {call.file}:{call.line}"
    for n, (sc, sample) in enumerate(
            [(s, None) for s in grid_sc] + [(s, k) for k, s in enumerate(random_sc)]):
        if n % 250 == 0:
            progress.layouts(site, n, planned)
        for o in runner.run(sc, sample):
            ran += 1
            ran_random += sample is not None
            if warned is None and o.new.warn:
                warned = (sc, o)
            if behaves is None and o.old is not o.new:
                what = cx.difference(o.old, o.new, runner.geo.spans)
                if what is None:
                    continue
                if _acts(o.old) != _acts(o.new):
                    behaves = (sc, o, what)
                elif found is None:
                    found = (sc, o, what)  # the WARN alone: kept if nothing else
        if behaves is not None and (warned is not None or sample is not None):
            break
    return Scan(ran, ran_random, behaves if behaves is not None else found, warned)


# Which engine runs the scenarios: "fast" (:mod:`.fast`, falling back to the
# reference where it does not apply) or "reference".  Tests and the benchmark
# set it to compare the two.
ENGINE = "fast"
_IndexScan = tuple[int, int, tuple[int, str] | None, int | None]
# pass results by what decides them, with the changes whose call sites used
# them: a verdict says it shared a run only with a call site of its own patch,
# so that the output never depends on what the process checked before
_SCANS: dict[tuple[object, ...], tuple[_IndexScan, list[SignatureChange]]] = {}


def _fast_scan(runner: Runner, change: SignatureChange, profile: ArchProfile,
               grid_sc: tuple[Scenario, ...], random_sc: tuple[Scenario, ...],
               settings: tuple[int, int]) -> Scan | None:
    """The scan the reference makes, from :mod:`.fast`'s compiled pass; None
    where the fast engine does not apply."""
    from patchscope.models import fast
    from patchscope.models.compiled import Unsupported

    try:
        src = fast.source(runner.binder, runner.roles, profile)
    except Unsupported:
        return None
    key = (src, repr(profile), runner.binder.trees, len(grid_sc), settings)
    if key not in _SCANS:
        found = _index_scan(runner, profile, src, grid_sc, random_sc)
        if found is None:
            return None
        if len(_SCANS) > 256:
            _SCANS.clear()
        _SCANS[key] = (found, [])
    (ran, ran_random, diff, warn_at), users = _SCANS[key]
    shared = any(c is change for c in users)
    if not shared:
        users.append(change)
    n_grid = len(grid_sc)

    def outcome(i: int) -> tuple[Scenario, Outcome]:
        # the reference's own outcome of the scenario found (one binding: no free names)
        sc = grid_sc[i] if i < n_grid else random_sc[i - n_grid]
        outs = runner.run(sc, None if i < n_grid else i - n_grid)
        if len(outs) != 1:
            raise RuntimeError("the fast engine and the reference disagree on a scenario")
        return sc, outs[0]

    found_out = None
    if diff is not None:
        sc, o = outcome(diff[0])
        what = cx.difference(o.old, o.new, runner.geo.spans)
        if what != diff[1]:
            raise RuntimeError("the fast engine and the reference disagree on a scenario")
        found_out = (sc, o, what)
    warned = outcome(warn_at) if warn_at is not None else None
    return Scan(ran, ran_random, found_out, warned, shared)


def _index_scan(runner: Runner, profile: ArchProfile, src: str, grid_sc: tuple[Scenario, ...],
                random_sc: tuple[Scenario, ...]) -> _IndexScan | None:
    """(ran, ran among random, (index, words) of the difference, index of the
    WARN) as the reference's loop would find them, with its early stop."""
    from patchscope.models import fast

    passes = []
    for scs in (grid_sc, random_sc):
        p = fast.compiled_pass(src, fast.rows_of(scs, profile))
        if p is None:
            return None
        passes.append(p)
    n_grid, n_all = len(grid_sc), len(grid_sc) + len(random_sc)
    valid = passes[0].valid + passes[1].valid
    warns = passes[0].warns + [n_grid + k for k in passes[1].warns]
    first_warn = warns[0] if warns else None
    behaves = found = None
    for part, offset, scs in ((passes[0], 0, grid_sc), (passes[1], n_grid, random_sc)):
        for inp in part.differ:
            if fast.same_walk(scs[inp.index], inp):
                if inp.old.warn == inp.new.warn:
                    continue
                # the same walk: the observations differ in the WARN alone
                old = Observation((), (), (), inp.old.warn)
                new = Observation((), (), (), inp.new.warn)
            else:
                old, new = fast.observations(runner, scs[inp.index], inp)
            what = cx.difference(old, new, runner.geo.spans)
            if what is None:
                continue
            if _acts(old) != _acts(new):
                behaves = (offset + inp.index, what)
                break
            if found is None:
                found = (offset + inp.index, what)
        if behaves is not None:
            break
    stop = n_all - 1  # the last scenario the reference looks at
    if behaves is not None:
        b = behaves[0]
        if b >= n_grid or (first_warn is not None and first_warn <= b):
            stop = b
        else:  # it goes on until the WARN fires or the random part starts
            stop = min(first_warn if first_warn is not None else n_all, n_grid, n_all - 1)
    ran = sum(valid[:stop + 1])
    ran_random = sum(valid[n_grid:stop + 1])
    warn_at = first_warn if first_warn is not None and first_warn <= stop else None
    return ran, ran_random, behaves if behaves is not None else found, warn_at


# the roles of a change, read once for all its call sites (the change is kept
# alive with them, so its id is not reused)
_ROLES: dict[int, tuple[SignatureChange, Roles | RolesError]] = {}


def _roles_of(change: SignatureChange) -> Roles | RolesError:
    hit = _ROLES.get(id(change))
    if hit is None or hit[0] is not change:
        try:
            found: Roles | RolesError = establish(change)
        except RolesError as exc:
            found = exc
        if len(_ROLES) > 64:
            _ROLES.clear()
        hit = _ROLES[id(change)] = (change, found)
    return hit[1]


def _unknown(reason: str, profile: ArchProfile) -> ModelResult:
    return ModelResult(Verdict(VerdictKind.UNKNOWN, "free_pgtables model", reason, Basis.NONE,
                               arch=profile.name))


class FreePgtablesModel(KernelModel):
    function = "free_pgtables"

    def check_call(self, change: SignatureChange, call: CallSite, profile: ArchProfile, *,
                   scenarios: int, seed: int, progress: Progress) -> ModelResult:
        roles_or_error = _roles_of(change)
        if isinstance(roles_or_error, RolesError):
            return _unknown(f"roles not found: {roles_or_error}", profile)
        roles = roles_or_error
        try:
            binder = Binder(roles, call, profile)
        except BindError as exc:
            return _unknown(f"cannot bind the call's arguments: {exc}", profile)
        runner = Runner(roles, binder, profile)
        # each free name multiplies the grid by the layout's points: two of them
        # (up to 81 combinations) keep the exhaustive part to two VMAs
        grid_sc = grid(profile, binder.trees, 3 if len(binder.free) < 2 else 2)
        random_sc = random_scenarios(profile, binder.trees, scenarios, seed)
        try:
            scan = None
            if ENGINE == "fast":
                scan = _fast_scan(runner, change, profile, grid_sc, random_sc,
                                  (scenarios, seed))
            if scan is None:
                scan = _reference_scan(runner, call, grid_sc, random_sc, progress)
            planned = len(grid_sc) + len(random_sc)
            progress.layouts(f"{call.caller}() {call.file}:{call.line}", planned, planned)
        except EvalError as exc:
            return _unknown(f"cannot evaluate an argument or role: {exc}", profile)
        ran, ran_random, found, warned = scan.ran, scan.ran_random, scan.found, scan.warned
        if ran == 0:
            return _unknown("no scenario could be bound: the first VMA argument is never a VMA "
                            "of the layout", profile)
        constants = unknown_constants(binder.free, binder.macros)
        if constants and (found is not None or warned is not None):
            # a macro is one fixed value, maybe an expression of the caller's own
            # state: a difference found by choosing it freely shows nothing wrong
            names = ", ".join(f"`{n}`" for n in constants)
            return _unknown(
                f"the model tells old and new apart only for some values of {names}, "
                f"whose value is not in the mail or the {profile.name} profile; would need "
                f"the definition of {names} (--tree reads the tree's headers)", profile)
        assertion = None
        if warned is not None:
            sc, o = warned
            if sc not in grid_sc:
                sc = cx.shrink(sc, profile, lambda s: runner.warns(s) is not None)
                o = runner.warns(sc) or o
            tops = set().union(*(free_names(roles.new.exprs[r])
                                 for r in ("first_bound", "gather_bound", "ceiling")))
            values = ", ".join(f"{k} = {_show(v, k in tops)}" for k, v in o.new_args.items()
                               if k != roles.new.vma_param)
            assertion = runner.counterexample(
                sc, o, f"{_warn_text(roles)} fires with {values} "
                f"(a {len(sc.vmas)}-VMA layout, {sc.tree} tree, {profile.name})")
        where = f"seed {seed}, {profile.name}"
        describe = f"{roles.describe()}; {binder.context}"
        steps = [roles.describe(), binder.context]
        if scan.shared:
            steps.append("scenario run shared with an earlier call site whose arguments, "
                         "roles and walk reduce to the same expressions")
        if found is not None:
            sc, o, what = found
            if sc not in grid_sc:
                acts = _acts(o.old) != _acts(o.new)
                sc = cx.shrink(sc, profile, lambda s: runner.differs(s, acts) is not None)
                o = runner.differs(sc, acts) or o
                what = cx.difference(o.old, o.new, runner.geo.spans) or what
            ce = runner.counterexample(sc, o, what)
            verdict = Verdict(
                VerdictKind.REFUTED,
                f"free_pgtables model: difference found, {ran} scenarios run ({where}); {describe}",
                f"old and new calls behave differently on a {len(sc.vmas)}-VMA layout: {what}",
                Basis.COUNTEREXAMPLE, scenarios=ran, seed=seed, arch=profile.name,
                counterexample=ce, steps=steps)
            return ModelResult(verdict, assertion)
        verdict = Verdict(
            VerdictKind.VERIFIED,
            f"free_pgtables model: {ran} scenarios (grid {ran - ran_random} + "
            f"{ran_random} random, {where}); {describe}",
            f"old and new calls unlink the same VMAs, make the same free_pgd_range() calls, "
            f"free the same tables and agree on the WARN in all {ran} scenarios",
            Basis.SAMPLING, scenarios=ran, seed=seed, arch=profile.name, steps=steps)
        return ModelResult(verdict, assertion)


register(FreePgtablesModel())
