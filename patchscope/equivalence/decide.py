"""Verdicts per call site, per body change and per patch, and their findings."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from patchscope import budget
from patchscope.arch import ArchProfile
from patchscope.core import (
    INTERNAL_ERROR,
    VERDICT_RANK,
    AnalysisMode,
    Basis,
    CallSite,
    CheckOptions,
    Counterexample,
    Declaration,
    Finding,
    LineAccount,
    NfcResult,
    Patch,
    Severity,
    SignatureChange,
    Verdict,
    VerdictKind,
)
from patchscope.equivalence.accounting import account_patch, assumptions_of, first_unaccounted
from patchscope.equivalence.callers import decide_routed, through_callers
from patchscope.equivalence.callsite import CallProof, check_call, reachable_assertions
from patchscope.equivalence.passon import decide_passed_on
from patchscope.equivalence.refactor import ShapeProof
from patchscope.equivalence.shapes import SHAPES_LABEL, decide_shapes, shape_assumptions
from patchscope.equivalence.substitution import BodyProof, definitions, prove_body
from patchscope.equivalence.symbolic import describe_when
from patchscope.equivalence.unify import CalleeSubstitution
from patchscope.errors import ParseError
from patchscope.models import find_model
from patchscope.progress import Progress


def _body_verdict(body: BodyProof, profile: ArchProfile) -> Verdict:
    if body.proved:
        return Verdict(VerdictKind.PROVED, body.method(), body.reason, Basis.PROOF,
                       arch=profile.name, steps=list(body.steps))
    return Verdict(VerdictKind.UNKNOWN, f"substitution search ({body.status})",
                   f"not proved: {body.reason}", Basis.NONE, arch=profile.name,
                   steps=list(body.steps))


def _call_label(call: CallSite) -> str:
    return f"{call.caller}() -> {call.function}() at {call.file}:{call.line}"


def decide_call(body: BodyProof, change: SignatureChange, call: CallSite, patch: Patch,
                profile: ArchProfile, options: CheckOptions, progress: Progress,
                caller: BodyProof | None = None,
                model_outcomes: Mapping[int, object] | None = None) -> Verdict:
    """The verdict of one call site (see :func:`_decide_call`); unknown, naming
    the cap, when a per-patch cap (:mod:`patchscope.budget`) was reached while
    deciding it: what was not run cannot prove anything."""
    before = len(budget.limits_reached())
    verdict = _decide_call(body, change, call, patch, profile, options, progress, caller,
                           model_outcomes)
    reached = budget.limits_reached()[before:]
    if not reached or verdict.kind is not VerdictKind.PROVED:
        return verdict
    return Verdict(VerdictKind.UNKNOWN, verdict.method,
                   f"not decided: {reached[0]} while deciding this call", Basis.NONE,
                   arch=verdict.arch, steps=[*verdict.steps, f"not decided: {reached[0]}"])


def _decide_call(
    body: BodyProof,
    change: SignatureChange,
    call: CallSite,
    patch: Patch,
    profile: ArchProfile,
    options: CheckOptions,
    progress: Progress,
    caller: BodyProof | None = None,
    model_outcomes: Mapping[int, object] | None = None,
) -> Verdict:
    """The verdict of one call site; findings it raises go to *patch*.

    *caller*: the proved body of the calling function when the patch changes
    its parameters too; its substitution applies to the new arguments.
    *model_outcomes*: model results already run by worker processes
    (:mod:`.workers`), by ``id(call)``; a call not in it is run here.
    """
    arch = profile.name
    if change.partial is not None:
        return Verdict(VerdictKind.UNKNOWN, "none",
                       f"the patch changes the signature of {change.function}() but does not "
                       f"show it whole ({change.partial}); check it with --tree", arch=arch)
    if not call.complete:
        return Verdict(VerdictKind.UNKNOWN, "none",
                       f"the call is not wholly visible: {call.incomplete_reason or 'incomplete'}",
                       arch=arch)
    if call.old_args is None:
        return Verdict(VerdictKind.UNKNOWN, "none",
                       f"a new call of {call.function}(): there is no old call to compare",
                       arch=arch)
    if call.new_args is None:
        return Verdict(VerdictKind.UNKNOWN, "none",
                       f"the patch removes this call of {call.function}()", arch=arch)
    changed = frozenset(c.function for c in patch.signature_changes)
    proof = check_call(body, change, call, profile, caller, changed)
    steps = list(proof.steps)
    if body.proved:
        steps = [f"body: {s}" for s in body.steps] + steps
    enclosing = next((c for c in patch.signature_changes if c.function == call.caller), None)
    if caller is not None and enclosing is not None and (
            body.added_conditions or find_model(change) is not None):
        routed = through_callers(patch, call, enclosing, caller, profile)
        if routed:
            done = decide_routed(body, change, call, patch, profile, options, progress, proof,
                                 steps, routed, _call_label(call))
            return done if isinstance(done, Verdict) else _combine(*done, call, patch, options)
    reachable, notes = reachable_assertions(body, change, call, profile)
    steps += notes
    solver_findings = []
    for r in reachable:
        when = describe_when(r.model, r.macros)
        steps.append(f"{r.assertion} can fire: {r.condition} holds {when} (z3)")
        solver_findings.append(Finding(
            "assertion-reachable", Severity.ERROR,
            f"{_call_label(call)}: {r.assertion} can fire with this call's arguments: "
            f"{r.condition} holds {when} (z3, over free values of the caller's names)",
            call.file, call.line, patch.index))
    if proof.proved:
        verdict = Verdict(VerdictKind.PROVED, proof.method,
                          f"proved: {proof.reason}", Basis.PROOF, arch=arch, steps=steps)
    else:
        verdict = Verdict(VerdictKind.UNKNOWN, proof.method, f"not proved: {proof.reason}",
                          Basis.NONE, arch=arch, steps=steps)
    model = find_model(change)
    if model is None:
        patch.findings.extend(solver_findings)
        return verdict
    if not budget.take_model_site():
        patch.findings.extend(solver_findings)
        reached = budget.limits_reached()[-1]
        return Verdict(VerdictKind.UNKNOWN, verdict.method,
                       f"the {change.function}() model was not run: {reached}", Basis.NONE,
                       arch=arch, steps=[*verdict.steps, f"model: not run ({reached})"])
    try:
        if model_outcomes is not None and id(call) in model_outcomes:
            result = model_outcomes[id(call)]
            if isinstance(result, Exception):
                raise result
        else:
            result = model.check_call(change, call, profile, scenarios=options.scenarios,
                                      seed=options.seed, progress=progress)
    except ParseError as exc:  # a limit reached or libclang failed: unknown, not a bug
        verdict.steps.append(f"model: not run ({exc})")
        patch.findings.extend(solver_findings)
        return Verdict(VerdictKind.UNKNOWN, verdict.method,
                       f"the {change.function}() model could not read the call: {exc}",
                       Basis.NONE, arch=arch, steps=verdict.steps)
    except Exception as exc:  # an engine failing is loud, never hidden
        patch.findings.append(Finding(
            INTERNAL_ERROR, Severity.ERROR,
            f"internal error: the {change.function}() model failed on {_call_label(call)}: "
            f"{type(exc).__name__}: {exc}", call.file, call.line, patch.index))
        verdict.steps.append(f"model: failed ({type(exc).__name__}: {exc})")
        patch.findings.extend(solver_findings)
        # the part an engine failed on is not decided, whatever the other said
        return Verdict(VerdictKind.UNKNOWN, verdict.method,
                       f"internal error in the {change.function}() model "
                       f"({type(exc).__name__}: {exc})", Basis.NONE, arch=arch,
                       steps=verdict.steps)
    if getattr(result, "assertion", None) is None:
        # the model's concrete scenario, when it has one, says it better
        patch.findings.extend(solver_findings)
    return _combine(verdict, proof, result, call, patch, options)


def _combine(verdict: Verdict, proof: CallProof, result: Any, call: CallSite, patch: Patch,
             options: CheckOptions) -> Verdict:
    model_v: Verdict = result.verdict
    if model_v.kind is VerdictKind.VERIFIED and not model_v.scenarios:
        # sampling that sampled nothing is no evidence
        model_v = Verdict(VerdictKind.UNKNOWN, model_v.method,
                          f"the model ran no scenario ({model_v.reason})", Basis.NONE,
                          arch=model_v.arch, steps=list(model_v.steps))
    assertion: Counterexample | None = getattr(result, "assertion", None)
    if assertion is not None:
        patch.findings.append(Finding(
            "assertion-reachable", Severity.ERROR,
            f"{_call_label(call)}: the model shows the new call's assertion firing: "
            f"{assertion.difference}", call.file, call.line, patch.index))
    steps = verdict.steps + [f"model: {model_v.kind.value}: {model_v.reason}"] + [
        f"model: {s}" for s in model_v.steps]
    n = model_v.scenarios
    if proof.proved and model_v.kind is VerdictKind.VERIFIED:
        return Verdict(VerdictKind.PROVED,
                       f"{verdict.method}; model agreed on {n} scenarios",
                       verdict.reason, Basis.PROOF, scenarios=n, seed=model_v.seed,
                       arch=verdict.arch, steps=steps)
    if proof.proved and model_v.kind is VerdictKind.REFUTED:
        patch.findings.append(Finding(
            "engine-disagreement", Severity.ERROR,
            f"INTERNAL ERROR: the substitution proof and the model disagree on "
            f"{_call_label(call)}: the proof says equal, the model found a difference "
            f"({model_v.reason}). One of patchscope's engines is wrong; please report it.",
            call.file, call.line, patch.index))
        return Verdict(VerdictKind.UNKNOWN, f"{verdict.method}; model refuted",
                       "the two engines disagree (internal error): " + model_v.reason,
                       Basis.NONE, scenarios=n, seed=model_v.seed, arch=verdict.arch,
                       counterexample=model_v.counterexample, steps=steps)
    if proof.proved:  # the model could not decide: the proof stands alone
        return Verdict(verdict.kind, f"{verdict.method}; model: {model_v.kind.value}",
                       verdict.reason, verdict.basis, arch=verdict.arch, steps=steps)
    if model_v.kind is VerdictKind.REFUTED:
        return Verdict(VerdictKind.REFUTED, f"{model_v.method}; {verdict.reason}",
                       model_v.reason, Basis.COUNTEREXAMPLE, scenarios=n,
                       seed=model_v.seed if model_v.seed is not None else options.seed,
                       arch=model_v.arch or verdict.arch,
                       counterexample=model_v.counterexample, steps=steps)
    if model_v.kind is VerdictKind.VERIFIED:
        return Verdict(VerdictKind.VERIFIED,
                       f"{model_v.method}; no difference on {n} scenarios "
                       f"(seed {model_v.seed}); substitution not proved",
                       f"{model_v.reason}; {verdict.reason}", Basis.SAMPLING, scenarios=n,
                       seed=model_v.seed, arch=model_v.arch or verdict.arch, steps=steps)
    verdict.steps = steps
    return verdict


def _internal_error(patch: Patch, exc: Exception, what: str, file: str | None,
                    line: int | None, profile: ArchProfile) -> Verdict:
    message = (f"internal error while deciding {what}: {type(exc).__name__}: {exc} "
               "(a bug in patchscope; please report it)")
    patch.findings.append(Finding(INTERNAL_ERROR, Severity.ERROR, message, file, line,
                                  patch.index))
    return Verdict(VerdictKind.UNKNOWN, "none", message, Basis.NONE, arch=profile.name)


Bodies = dict[int, list[tuple[Declaration | None, BodyProof]]]


def _prove_bodies(patch: Patch, profile: ArchProfile, progress: Progress) -> Bodies:
    """Every definition of every changed function of *patch*, the primary first;
    bodies that call other changed functions are proved again with those
    functions' substitutions once they are known."""
    bodies: Bodies = {}
    for change in patch.signature_changes:
        progress.note(f"{change.function}(): substitution proof")
        bodies[id(change)] = _all_definitions(change, patch, profile, {})
    for _ in range(len(patch.signature_changes)):
        known = {c.function: proofs[0][1].callee_substitution()
                 for c in patch.signature_changes
                 for proofs in [bodies[id(c)]] if all(b.proved for _, b in proofs)}
        again = [c for c in patch.signature_changes
                 if not all(b.proved for _, b in bodies[id(c)]) and set(known) - {c.function}]
        improved = False
        for change in again:
            retry = _all_definitions(change, patch, profile, known)
            if sum(b.proved for _, b in retry) > sum(b.proved for _, b in bodies[id(change)]):
                bodies[id(change)] = retry
                improved = True
        if not improved:
            break
    return bodies


def _all_definitions(change: SignatureChange, patch: Patch, profile: ArchProfile,
                     callees: dict[str, CalleeSubstitution]
                     ) -> list[tuple[Declaration | None, BodyProof]]:
    if change.partial is not None:
        return [(None, BodyProof(change.function, change.file, "unknown",
                                 f"the declarator of {change.function}() is not wholly visible "
                                 f"in the patch: {change.partial}"))]
    decls = definitions(change)
    if not decls:
        return [(None, _guarded_body(change, patch, profile, callees, None))]
    return [(d, _guarded_body(change, patch, profile, callees, d)) for d in decls]


def _guarded_body(change: SignatureChange, patch: Patch, profile: ArchProfile,
                  callees: dict[str, CalleeSubstitution], decl: Declaration | None) -> BodyProof:
    try:
        return prove_body(change, profile, callees, decl)
    except Exception as exc:  # reported as an internal error, never a traceback
        v = _internal_error(patch, exc, f"the body of {change.function}()", change.file,
                            change.line, profile)
        return BodyProof(change.function, change.file, "unknown", v.reason)


def _other_definitions(others: list[tuple[Declaration | None, BodyProof]], change: SignatureChange,
                       call: CallSite, verdict: Verdict, patch: Patch,
                       profile: ArchProfile, caller: BodyProof | None) -> Verdict:
    """A call binds to every definition the patch shows: the proof must hold for each."""
    if verdict.kind not in (VerdictKind.PROVED, VerdictKind.VERIFIED) or not others:
        return verdict
    changed = frozenset(c.function for c in patch.signature_changes)
    for decl, body in others:
        where = f"{decl.file}:{decl.line}" if decl is not None else change.file
        proof = check_call(body, change, call, profile, caller, changed)
        if not proof.proved:
            return Verdict(VerdictKind.UNKNOWN, verdict.method,
                           f"not proved for the definition of {change.function}() in "
                           f"{where}: {proof.reason}", Basis.NONE, arch=verdict.arch,
                           steps=verdict.steps + [f"definition in {where}: {proof.reason}"])
        verdict.steps.append(f"also proved for the definition in {where}")
    return verdict


def _provisos_checked(v: Verdict, body: BodyProof, change: SignatureChange,
                      patch: Patch) -> Verdict:
    """A body proved only provided a guarded statement never runs is proved for
    the calls checked against that proviso: with no call of the function in the
    patch, or calls elsewhere in the tree that were not checked, it is not."""
    if v.kind is not VerdictKind.PROVED or not body.provisos:
        return v
    guards = ", ".join(f"`{g}`" for _, g, _ in body.provisos)
    calls = [c for c in patch.call_sites if c.function == change.function]
    if not calls:
        why = f"the patch shows no call of {change.function}() to check that"
    elif change.outside_callers:
        why = (f"{change.outside_callers} call(s) of {change.function}() outside the patch's "
               "files were not checked against it")
    else:
        return v
    return Verdict(VerdictKind.UNKNOWN, v.method,
                   f"not proved: the body is the old one only provided {guards} never runs, "
                   f"and {why}", Basis.NONE, arch=v.arch, steps=v.steps + [why])


def _macro_assumptions(patch: Patch, profile: ArchProfile) -> list[str]:
    """Each constant a call names that was valued by its one definition seen."""
    named = {w for c in patch.call_sites for a in (c.old_args or []) + (c.new_args or [])
             for w in re.findall(r"[A-Za-z_]\w*", a.text)}
    return [f"{n} = {profile.extra_macros[n]:#x}, its one definition seen ({where}): "
            "no other definition applies where the call is compiled"
            for n, where in sorted(profile.macro_sources.items()) if n in named]


def _arch_assumptions(patch: Patch, profile: ArchProfile) -> list[str]:
    """A proof that only holds with the profile's values of the kernel's macros
    (z3 tried them free first) says so: another architecture may differ."""
    marks = (f"z3 on {profile.name})", f"with the macro values of {profile.name}")
    rested = [c for c in patch.call_sites if c.verdict is not None
              and c.verdict.kind in (VerdictKind.PROVED, VerdictKind.VERIFIED)
              and any(m in step for step in c.verdict.steps for m in marks)]
    if not rested:
        return []
    macros = profile.macros
    named = sorted({w for c in rested for a in (c.old_args or []) + (c.new_args or [])
                    for w in re.findall(r"[A-Za-z_]\w*", a.text) if w in macros
                    and w not in ("NULL", "true", "false") and w not in profile.macro_sources})
    values = ", ".join(f"{n} = {macros[n]:#x}" for n in named)
    where = ", ".join(dict.fromkeys(f"{c.caller}()" for c in rested))
    return [f"on {profile.name}: the proofs for {where} hold with this profile's values of the "
            f"kernel's macros ({values or 'as named in the steps'}), not for any value: other "
            "architectures are not checked (--arch)"]


def _patch_assumptions(patch: Patch, lines: list[LineAccount]) -> list[str]:
    """What a proof of *patch* rests on that patchscope did not check (tree mode
    looks some of it up instead: ``patch.checked``)."""
    out = ["the patch compiles (patchscope does not build it)"]
    changes = patch.signature_changes
    if changes and patch.mode is AnalysisMode.MBOX:
        names = ", ".join(f"{c.function}()" for c in changes)
        out.append(f"hunks only: every caller of {names} is in the patch (the tree is not "
                   "searched; --tree does)")
        params = sorted({n for c in changes for n in c.added + c.removed})
        if params:
            out.append("hunks only: no macro or file-scope name is spelled like an added or "
                       f"removed parameter ({', '.join(params)})")
    if changes:
        out.append("no call reaches a changed function through a function pointer")
    return out + assumptions_of(lines)


def decide_patch(patch: Patch, profile: ArchProfile, options: CheckOptions,
                 progress: Progress, model_outcomes: Mapping[int, object] | None = None,
                 earlier: Sequence[Patch] = ()) -> None:
    """Fill the verdicts of *patch*'s changes and call sites, its nfc, its findings.

    *model_outcomes*: see :func:`decide_call`.  *earlier*: the patches of the
    series before this one, already decided (:mod:`.passon` reads their calls).
    """
    budget.begin_patch()
    try:
        _decide_patch(patch, profile, options, progress, model_outcomes, earlier)
    finally:
        budget.end_patch()
    # a cap reached anywhere in the patch (a body, a call, the accounting)
    # leaves work undone: the patch cannot be proved
    patch.gaps += [f"its verdicts are incomplete: {r}" for r in budget.limits_reached()]


def _decide_patch(patch: Patch, profile: ArchProfile, options: CheckOptions,
                  progress: Progress, model_outcomes: Mapping[int, object] | None,
                  earlier: Sequence[Patch]) -> None:
    parts: list[tuple[Verdict, str, str | None, int | None]] = []  # verdict, label, file, line
    decided: set[int] = set()
    bodies = _prove_bodies(patch, profile, progress)
    for change in patch.signature_changes:
        proofs = bodies[id(change)]
        body = proofs[0][1]
        for decl, proof in proofs:
            v = _provisos_checked(_body_verdict(proof, profile), proof, change, patch)
            if decl is not None:
                decl.body_verdict = v
            if decl is None or proof is body:
                change.body_verdict = v
                parts.append((v, f"the body of {change.function}()", change.file, change.line))
            else:
                parts.append((v, f"the body of {change.function}() in {decl.file}:{decl.line}",
                              decl.file, decl.line))
        change.substitution = body.substitution_strings()
        for call in patch.call_sites:
            if call.function != change.function or id(call) in decided:
                continue
            decided.add(id(call))
            progress.note(f"{call.caller}() -> {call.function}()")
            try:
                caller = next((proofs_c[0][1] for c in patch.signature_changes
                               for proofs_c in [bodies[id(c)]]
                               if c.function == call.caller and proofs_c[0][1].proved), None)
                verdict = decide_call(body, change, call, patch, profile, options, progress,
                                      caller, model_outcomes)
                call.verdict = _other_definitions(proofs[1:], change, call, verdict, patch,
                                                  profile, caller)
            except Exception as exc:  # one call's failure must not stop the others
                call.verdict = _internal_error(patch, exc, _call_label(call), call.file,
                                               call.line, profile)
            parts.append((call.verdict, _call_label(call), call.file, call.line))
    passed = decide_passed_on(
        patch, {c.function: bodies[id(c)][0][1] for c in patch.signature_changes}, earlier,
        profile, options, progress, decide_call)
    for call in passed.calls:
        decided.add(id(call))
        patch.call_sites.append(call)
        assert call.verdict is not None
        parts.append((call.verdict, _call_label(call), call.file, call.line))
    for call in patch.call_sites:
        if id(call) not in decided:
            call.verdict = Verdict(VerdictKind.UNKNOWN, "none",
                                   f"no signature change of {call.function}() was found",
                                   arch=profile.name)
            parts.append((call.verdict, _call_label(call), call.file, call.line))
    shapes, shape_parts = decide_shapes(patch, profile)
    parts += [p for p in shape_parts if p[0].kind is VerdictKind.PROVED]
    _account(patch, parts, profile, shapes)
    # A shape rule that could not prove its candidate claims nothing: it decides
    # the verdict only where its lines stay unaccounted (then its reason says
    # why), not where another proof read them (a struct's init helper, inlined
    # by the call that uses it, is also a new static void function called once).
    covered = bool(patch.accounting) and first_unaccounted(patch.accounting) is None
    parts += [p for p in shape_parts if p[0].kind is not VerdictKind.PROVED
              and (not covered or p[1] == SHAPES_LABEL)]
    patch.assumptions += [a for a in passed.assumptions if a not in patch.assumptions]
    shape_assumptions(patch, shapes)
    _set_nfc(patch, parts)


def _account(patch: Patch, parts: list[tuple[Verdict, str, str | None, int | None]],
             profile: ArchProfile, shapes: Sequence[ShapeProof] = ()) -> None:
    """The whole-patch accounting: every changed line, or the patch is not proved."""
    try:
        lines = account_patch(patch, tree=patch.mode is not AnalysisMode.MBOX, shapes=shapes)
    except ParseError as exc:  # libclang crashed, or --timeout: unknown, not a bug
        parts.append((Verdict(VerdictKind.UNKNOWN, "none",
                              f"the whole-patch accounting did not finish: {exc}"),
                      "the patch", None, None))
        return
    except Exception as exc:  # an engine failing is loud, never hidden
        parts.append((_internal_error(patch, exc, "the whole-patch accounting", None, None,
                                      profile), "the patch", None, None))
        return
    patch.accounting = lines
    patch.assumptions = _patch_assumptions(patch, lines) + _arch_assumptions(patch, profile) \
        + _macro_assumptions(patch, profile)
    if not patch.files and not parts:
        parts.append((Verdict(VerdictKind.UNKNOWN, "none", "the patch has no readable diff"),
                      "the patch", None, None))
    elif any(f.check == "diff-malformed" for f in patch.findings):
        parts.append((Verdict(VerdictKind.UNKNOWN, "none", "the diff is malformed"),
                      "the patch", None, None))
    clash = next((f for f in patch.findings if f.check == "parameter-name-clash"), None)
    if clash is not None:
        parts.append((Verdict(VerdictKind.UNKNOWN, "none", clash.message, Basis.NONE),
                      "the patch", None, None))
    bad = first_unaccounted(lines)
    if bad is not None:
        count = sum(1 for a in lines if a.by is None) - 1
        more = f", nor for {count} more line{'s' if count > 1 else ''}" if count else ""
        why = f" ({bad.note})" if bad.note else ""
        parts.append((Verdict(
            VerdictKind.UNKNOWN, "whole-patch accounting",
            f"no proof accounts for {bad.file}:{bad.line} `{bad.text.strip()}`{why}{more}",
            Basis.NONE), "the patch", bad.file, bad.line or None))
    if not parts:
        parts.append((Verdict(VerdictKind.PROVED, "token comparison",
                              "the diff changes only comments, layout and prose", Basis.PROOF),
                      "the patch", None, None))


def _set_nfc(patch: Patch, parts: list[tuple[Verdict, str, str | None, int | None]]) -> None:
    ranked = [v for v, *_ in parts if v.kind in VERDICT_RANK]
    worst = min(ranked, key=lambda v: VERDICT_RANK[v.kind]).kind
    if worst is VerdictKind.REFUTED:
        basis = Basis.COUNTEREXAMPLE
    elif worst is VerdictKind.PROVED:
        basis = Basis.PROOF
    elif any(v.basis is Basis.SAMPLING for v in ranked):
        basis = Basis.SAMPLING
    else:
        basis = Basis.NONE
    # the parts that decide the verdict first
    ordered = sorted(parts, key=lambda p: VERDICT_RANK.get(p[0].kind, 9))
    reasons = [f"{label}: {v.kind.value} ({v.method}): {v.reason}" for v, label, *_ in ordered]
    if not patch.claims_nfc:
        patch.nfc = NfcResult(VerdictKind.NOT_CLAIMED,
                              [f"no claim of no functional change; analysis: {worst.value}"]
                              + reasons, basis)
        return
    patch.nfc = NfcResult(worst, reasons, basis)
    for v, label, file, line in parts:
        if v.kind is VerdictKind.REFUTED:
            patch.findings.append(Finding(
                "nfc-refuted", Severity.ERROR,
                f"the patch claims no functional change, but {label} behaves differently: "
                f"{v.reason}", file, line, patch.index))
        elif v.kind is VerdictKind.UNKNOWN:
            patch.findings.append(Finding(
                # undecided, not shown wrong: a warning (an error with --strict,
                # see patchscope.policy)
                "nfc-unproved", Severity.WARNING,
                f"the patch claims no functional change, but {label} could not be proved: "
                f"{v.reason.removeprefix('not proved: ')}",
                file, line, patch.index))
        elif v.kind is VerdictKind.VERIFIED:
            # evidence, not proof: said where b4 and the hooks, which show
            # only findings, will show it
            patch.findings.append(Finding(
                "nfc-sampled", Severity.WARNING,
                f"the claim of no functional change rests on sampling for {label}: no "
                f"difference in {v.scenarios} scenarios (seed {v.seed}, {v.arch}), "
                "not a proof", file, line, patch.index))
