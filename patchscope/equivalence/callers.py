"""Who calls a function and with what: the bindings a call is decided through.

A call inside a function F is decided, where the patch changes F's
parameters or a call F makes, through F's callers (:mod:`.passon` for a
callee the patch leaves alone, :func:`decide_routed` for a changed callee to
which F passes on a parameter it gains): F's parameters are bound to what
each caller passes, old parameters to its old arguments, new ones to its new
arguments.  The callers are known only in two ways:

- F's signature changes in this patch: its call sites in this patch (mbox
  mode: every caller is in the patch, the assumption the signature change
  already rests on; tree mode: none outside the patch);
- else an earlier patch of the series changed it: that patch's call sites as
  it left them (the same assumption, made for that patch), provided no patch
  since, this one included, adds a call of F or changes a hunk that shows one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from patchscope import budget
from patchscope.arch import ArchProfile
from patchscope.cexpr import Expr, parse_expr, substitute, to_c
from patchscope.cexpr.expr_ast import simplify, value_chains
from patchscope.clang import blank_cut_comment, tokenize
from patchscope.core import (
    INTERNAL_ERROR,
    AnalysisMode,
    Argument,
    Basis,
    CallSite,
    CheckOptions,
    DiffLine,
    Finding,
    Patch,
    Severity,
    SignatureChange,
    Verdict,
    VerdictKind,
)
from patchscope.equivalence.callsite import CallProof, reachable_assertions
from patchscope.equivalence.substitution import BodyProof
from patchscope.equivalence.symbolic import describe_when, prove_equal
from patchscope.errors import ParseError
from patchscope.models import ModelResult, find_model
from patchscope.progress import Progress


@dataclass
class Binding:
    """What one caller of the enclosing function passes."""

    caller: str
    file: str
    line: int
    old: dict[str, str]  # the enclosing function's old parameter -> argument text
    new: dict[str, str]
    source: str  # where the caller's call was read
    site: CallSite | None = None  # that call (its context: a struct it builds, :mod:`.packed`)
    later: bool = False  # read from an earlier patch: old and new are both its new arguments
    index: int = 0  # the patch the call was read from


Sides = dict[str, tuple[str, list[int]]]  # side -> (text, file line of each text line)


def hunk_sides(lines: list[DiffLine]) -> Sides:
    out = {}
    for side, kinds, num in (("old", " -", "old_lineno"), ("new", " +", "new_lineno")):
        kept = [dl for dl in lines if dl.kind in kinds]
        out[side] = ("\n".join(dl.text for dl in kept) + "\n",
                     [getattr(dl, num) or 0 for dl in kept])
    return out


def _calls_of(patch: Patch, function: str) -> list[CallSite]:
    return [c for c in patch.call_sites if c.function == function]


def _adds_call(patch: Patch, function: str) -> bool:
    """Whether an added line of *patch* names *function* followed by ``(``."""
    for fc in patch.files:
        for h in fc.hunks:
            for dl in h.lines:
                if dl.kind == "+" and function in dl.text:
                    toks = tokenize(dl.text)
                    if any(a.spelling == function and b.spelling == "("
                           for a, b in zip(toks, toks[1:], strict=False)):
                        return True
    return False


def _touches_calls(patch: Patch, files: set[str], function: str) -> bool:
    """Whether *patch* changes a hunk in *files* that shows a call of
    *function*, or that starts inside parentheses (perhaps in such a call's
    arguments, whose first line it does not show)."""
    for fc in patch.files:
        if fc.path not in files and (fc.old_path or fc.path) not in files:
            continue
        for h in fc.hunks:
            if not any(dl.kind in "+-" for dl in h.lines):
                continue
            for text, _ in hunk_sides(h.lines).values():
                depth, low = 0, 0
                for t in tokenize(blank_cut_comment(text)):
                    if t.kind == "IDENTIFIER" and t.spelling == function:
                        return True
                    depth += {"(": 1, ")": -1}.get(t.spelling, 0)
                    low = min(low, depth)
                if low < 0:
                    return True
    return False


def caller_bindings(patch: Patch, f: str, earlier: Sequence[Patch]
             ) -> tuple[list[Binding], list[str]] | str:
    """Every caller's binding of the enclosing function's parameters, and
    what knowing them all assumes; or why they are not known."""
    change = next((c for c in patch.signature_changes if c.function == f), None)
    tree = patch.mode is not AnalysisMode.MBOX
    if change is not None:
        sites, params, where = _calls_of(patch, f), change, "this patch"
        if tree and change.outside_callers:
            return (f"{change.outside_callers} call(s) of {f}() outside the patch's files "
                    "were not checked")
        assumed = [] if tree else [f"hunks only: every caller of {f}() is in the patch"]
        both = False
    else:
        source = next(((k, p) for k, p in reversed(list(enumerate(earlier)))
                       if any(c.function == f for c in p.signature_changes)), None)
        if source is None:
            return (f"the callers of {f}() are not known: neither this patch nor an earlier "
                    f"patch of the series changes its signature")
        k, first = source
        params = next(c for c in first.signature_changes if c.function == f)
        files = {c.file for c in _calls_of(first, f)}
        for later in [*earlier[k + 1:], patch]:
            if _calls_of(later, f) or _adds_call(later, f) or _touches_calls(later, files, f):
                return (f"patch {later.index} may add or change a call of {f}() after patch "
                        f"{first.index} changed its signature")
        if first.mode is not AnalysisMode.MBOX and params.outside_callers:
            return (f"{params.outside_callers} call(s) of {f}() outside patch "
                    f"{first.index}'s files were not checked")
        sites, where, both = _calls_of(first, f), f"patch {first.index}", True
        assumed = ([] if first.mode is not AnalysisMode.MBOX else
                   [f"hunks only: every caller of {f}() is in patch {first.index}, as "
                    "that patch's proof assumed"])
    if not sites:
        return f"no call of {f}() is known"
    out = []
    for c in sites:
        if not c.complete or c.new_args is None or (c.old_args is None and not both):
            return f"the call of {f}() in {c.caller}() at {c.file}:{c.line} is not wholly known"
        new_args = c.new_args
        old_args = new_args if both else (c.old_args or [])
        olds = [p.name for p in (params.new_params if both else params.old_params)]
        news = [p.name for p in params.new_params]
        if len(olds) != len(old_args) or len(news) != len(new_args) or not all(olds + news):
            return (f"the arguments of {c.caller}()'s call of {f}() do not line up with its "
                    "parameters")
        out.append(Binding(c.caller, c.file, c.line,
                           {p: a.text for p, a in zip(olds, old_args, strict=True)},
                           {p: a.text for p, a in zip(news, new_args, strict=True)},
                           f"{where}, {c.file}:{c.line}", c, both,
                           first.index if both else patch.index))
    return out, assumed


@dataclass
class Routed:
    """A call inside a changed function, bound to one caller of that function."""

    binding: Binding
    call: CallSite  # the call with the caller's values in place of the parameters
    consistent: bool  # the caller passes what the enclosing body's substitution says
    note: str  # which binding, for the verdict's steps


def through_callers(patch: Patch, call: CallSite, enclosing: SignatureChange,
                    body: BodyProof, profile: ArchProfile) -> list[Routed] | None:
    """*call* (of a changed callee, inside the changed and proved function
    *enclosing*) once per caller of *enclosing*, when its new arguments read a
    parameter *enclosing* gains: the model and the assertions then run with
    what each caller passes, not with free values of that parameter.  None
    when the arguments read no added parameter or the callers are not known."""
    added = set(enclosing.added)
    if not added or call.new_args is None or call.old_args is None:
        return None
    old_args, new_args = [a.text for a in call.old_args], [a.text for a in call.new_args]
    if not chains_read(new_args, added):
        return None
    found = caller_bindings(patch, enclosing.function, ())
    if isinstance(found, str):
        return None
    out = []
    for b in found[0]:
        old_b, new_b = bound_args(old_args, b.old), bound_args(new_args, b.new)
        if old_b is None or new_b is None:
            return None
        consistent = True
        for p in sorted(added):
            e = body.sigma.get(p)
            if e is None:
                continue
            try:
                want = simplify(substitute(e, {q: simplify(parse_expr(t))
                                               for q, t in b.old.items()}))
                have = simplify(parse_expr(b.new[p]))
            except (ParseError, KeyError):
                consistent = False
                break
            if have != want and not prove_equal(want, have, profile).proved:
                consistent = False
        routed = CallSite(call.function, b.caller, call.file, call.line, call.old_line,
                          [Argument(a) for a in old_b], [Argument(a) for a in new_b],
                          call.mode)
        sub = ", ".join(f"{p} := {b.new[p]}" for p in sorted(added) if p in b.new)
        out.append(Routed(b, routed, consistent,
                          f"with what {b.caller}() passes to {enclosing.function}() "
                          f"({b.source}): {sub}"))
    return out


def bound_args(args: list[str], binding: dict[str, str]) -> list[str] | None:
    try:
        mapping = {p: simplify(parse_expr(t)) for p, t in binding.items()}
        return [to_c(simplify(substitute(parse_expr(a), mapping))) for a in args]
    except ParseError:
        return None


def chains_read(args: list[str], params: set[str]) -> set[str]:
    """Chains over *params* the arguments read (``next``, ``next->vm_start``)."""
    out: set[str] = set()
    for a in args:
        try:
            e: Expr = parse_expr(a)
        except ParseError:
            continue
        out |= {c for c in value_chains(e) if c.replace("->", ".").split(".")[0] in params}
    return out


def decide_routed(body: BodyProof, change: SignatureChange, call: CallSite, patch: Patch,
                   profile: ArchProfile, options: CheckOptions, progress: Progress,
                   proof: CallProof, steps: list[str], routed: list[Routed], label: str
                   ) -> Verdict | tuple[Verdict, CallProof, ModelResult]:
    """A call inside a changed function that passes on a parameter the function
    gains: its assertions and the model run once per caller of the function,
    with what that caller passes (:func:`through_callers`); a value free only
    because no caller was bound to it is never an error.  *label* names the
    call in findings.  Returns the verdict, or what :func:`.decide._combine`
    makes it from (the verdict so far, the proof, the model's result)."""
    arch = profile.name
    steps.append(f"the call reads what the callers of {call.caller}() pass: assertions and "
                 "the model run with each caller's values")
    for r in routed:
        reach, notes = reachable_assertions(body, change, r.call, profile)
        steps += [f"{r.note}: {n}" for n in notes]
        for a in reach:
            when = describe_when(a.model, a.macros)
            steps.append(f"{r.note}: {a.assertion} can fire: {a.condition} holds {when} (z3)")
            patch.findings.append(Finding(
                "assertion-reachable", Severity.ERROR,
                f"{label}: {a.assertion} can fire {r.note}: {a.condition} holds "
                f"{when} (z3)", call.file, call.line, patch.index))
    if proof.proved:
        verdict = Verdict(VerdictKind.PROVED, proof.method, f"proved: {proof.reason}",
                          Basis.PROOF, arch=arch, steps=steps)
    else:
        verdict = Verdict(VerdictKind.UNKNOWN, proof.method, f"not proved: {proof.reason}",
                          Basis.NONE, arch=arch, steps=steps)
    model = find_model(change)
    if model is None:
        return verdict
    results: list[tuple[Routed, ModelResult]] = []
    for r in routed:
        if not budget.take_model_site():
            reached = budget.limits_reached()[-1]
            steps.append(f"model ({r.note}): not run ({reached})")
            return Verdict(VerdictKind.UNKNOWN, verdict.method,
                           f"the {change.function}() model was not run: {reached}",
                           Basis.NONE, arch=arch, steps=steps)
        try:
            results.append((r, model.check_call(change, r.call, profile,
                                                scenarios=options.scenarios, seed=options.seed,
                                                progress=progress)))
        except ParseError as exc:
            steps.append(f"model ({r.note}): not run ({exc})")
            return Verdict(VerdictKind.UNKNOWN, verdict.method,
                           f"the {change.function}() model could not read the call: {exc}",
                           Basis.NONE, arch=arch, steps=steps)
        except Exception as exc:  # an engine failing is loud, never hidden
            patch.findings.append(Finding(
                INTERNAL_ERROR, Severity.ERROR,
                f"internal error: the {change.function}() model failed on {label}: "
                f"{type(exc).__name__}: {exc}", call.file, call.line, patch.index))
            return Verdict(VerdictKind.UNKNOWN, verdict.method,
                           f"internal error in the {change.function}() model "
                           f"({type(exc).__name__}: {exc})", Basis.NONE, arch=arch, steps=steps)
    for r, res in results:
        if res.assertion is not None:
            res.assertion.difference += f" ({r.note})"
    order = {VerdictKind.REFUTED: 0, VerdictKind.UNKNOWN: 1}
    r, res = min(results, key=lambda rr: (order.get(rr[1].verdict.kind, 2),
                                          rr[1].assertion is None))
    for _, o in results:
        if o is not res and o.assertion is not None:
            patch.findings.append(Finding(
                "assertion-reachable", Severity.ERROR,
                f"{label}: the model shows the new call's assertion firing: "
                f"{o.assertion.difference}", call.file, call.line, patch.index))
    mv = res.verdict
    reason = f"{r.note}: {mv.reason}"
    if mv.kind is VerdictKind.VERIFIED:
        mv = Verdict(mv.kind, mv.method, reason, mv.basis,
                     scenarios=sum(o.verdict.scenarios or 0 for _, o in results), seed=mv.seed,
                     arch=mv.arch, steps=mv.steps)
    else:
        mv = Verdict(mv.kind, mv.method, reason, mv.basis, scenarios=mv.scenarios, seed=mv.seed,
                     arch=mv.arch, counterexample=mv.counterexample, steps=mv.steps)
    if mv.kind is VerdictKind.REFUTED and proof.proved and not r.consistent:
        # the proof went through the substitution, which this caller does not follow
        why = (f"{r.binding.caller}() does not pass what {call.caller}()'s substitution "
               "says; the proof holds for the other callers only")
        proof = CallProof("unknown", why, proof.method, steps=[why])
        verdict = Verdict(VerdictKind.UNKNOWN, proof.method, f"not proved: {why}", Basis.NONE,
                          arch=arch, steps=steps + [why])
    return verdict, proof, ModelResult(mv, res.assertion)
