"""Checking one call site against a body's substitution.

A call is `proved` when each new argument equals the substitution applied to
the same call's old arguments (old arguments bound to old parameters): first
by tree identity after parsing (whitespace, comments and redundant
parentheses gone), else by an exact z3 proof.  Assertions the patch added are
also checked with the call's own new arguments, so that one the call can
trigger is reported even where the substitution does not hold.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from patchscope.arch import ArchProfile
from patchscope.cexpr.ceval import PURE_CALLS
from patchscope.cexpr.cparse import parse_expr
from patchscope.cexpr.ctypes import CType
from patchscope.cexpr.expr_ast import (
    Call,
    Expr,
    Unary,
    free_names,
    simplify,
    substitute,
    to_c,
    unknown_constants,
    walk,
)
from patchscope.core import Argument, CallSite, SignatureChange
from patchscope.equivalence.bodydiff import body_tokens
from patchscope.equivalence.context import Definitions, context_definitions
from patchscope.equivalence.packed import field_row, packed_steps, supported
from patchscope.equivalence.substitution import BodyProof
from patchscope.equivalence.symbolic import (
    ProofResult,
    describe_model,
    describe_when,
    prove_always_false,
    prove_equal,
)
from patchscope.equivalence.typemap import as_passed
from patchscope.errors import ParseError


@dataclass
class ReachableAssertion:
    assertion: str
    condition: str  # with the call's new arguments in place
    model: dict[str, int]
    macros: str = "free"


@dataclass
class CallProof:
    """The outcome of the substitution check of one call site."""

    status: str  # "proved" | "differs" | "unknown"
    reason: str
    method: str
    steps: list[str] = field(default_factory=list)
    counter_model: dict[str, int] | None = None
    used_solver: bool = False
    reachable: list[ReachableAssertion] = field(default_factory=list)

    @property
    def proved(self) -> bool:
        return self.status == "proved"


def _parse_arg(arg: Argument) -> Expr | None:
    try:
        return simplify(parse_expr(arg.text))
    except ParseError:
        return None


def _normal_text(arg: Argument) -> str:
    return _normal_spelling(arg.text)


@functools.lru_cache(maxsize=4096)
def _normal_spelling(text: str) -> str:
    """The argument's tokens without comments, one space apart."""
    try:
        return " ".join(t.spelling for t in body_tokens(text))
    except Exception:
        return " ".join(text.split())


def side_effect_free(e: Expr | None, pure: frozenset[str] | dict[str, str] = frozenset()) -> bool:
    """No call but of *pure* functions (and PURE_CALLS), no memory read through ``*``."""
    if e is None:
        return False
    return not any(
        (isinstance(n, Call) and n.func not in PURE_CALLS and n.func not in pure)
        or (isinstance(n, Unary) and n.op == "*")
        for n in walk(e)
    )


def _bind(names: list[str], args: list[Argument]) -> dict[str, Argument] | None:
    if len(names) != len(args) or not all(names):
        return None
    return dict(zip(names, args, strict=True))


MAX_CONTEXT_CHARS = 100_000


def check_call(
    body: BodyProof,
    change: SignatureChange,
    call: CallSite,
    profile: ArchProfile,
    caller: BodyProof | None = None,
    changed: frozenset[str] = frozenset(),
) -> CallProof:
    """Check *call* against the substitution *body* found for *change*.

    *caller*: the calling function's own proved substitution, when the patch
    changes its parameters too (a new parameter passed down): its new
    parameters in the new arguments are replaced by what they stand for.
    """
    if not body.proved:
        return CallProof(
            "unknown" if body.status == "unknown" else "differs",
            f"the body of {change.function}() is not proved equal: {body.reason}",
            "substitution search",
            steps=[f"body of {change.function}(): {body.reason}"],
        )
    method = "substitution " + body.substitution_text()
    proof = CallProof("proved", "", method)
    neutral = changed | {change.function}
    if max(len(call.old_context or ""), len(call.new_context or "")) > MAX_CONTEXT_CHARS:
        # the statement comparison is quadratic in the worst case (a fuzzed
        # caller of thousands of equal lines took minutes): not compared, unknown
        return _undecided(proof, f"the code of {call.caller}() before this call is longer "
                          f"than the limit of {MAX_CONTEXT_CHARS:,} characters the "
                          "comparison of its old and new sides reads")
    if (
        call.old_context is not None
        and call.new_context is not None
        and context_definitions(call.old_context, call.new_context, neutral) is None
    ):
        return _undecided(proof, f"the patch also changes {call.caller}() before this call, "
                          "beyond new definitions the proof can follow")
    old = _bind([p.name for p in change.old_params], call.old_args or [])
    new = _bind([p.name for p in change.new_params], call.new_args or [])
    if old is None or new is None:
        proof.status = "unknown"
        proof.reason = (
            "the call's arguments do not line up with the parameters "
            f"({len(call.old_args or [])} old for {len(change.old_params)}, "
            f"{len(call.new_args or [])} new for {len(change.new_params)})"
        )
        return proof
    old_e = {p: _parse_arg(a) for p, a in old.items()}
    new_e = {p: _parse_arg(a) for p, a in new.items()}
    through_caller = False
    if caller is not None and caller.proved:
        outer = {q: e for q, e in caller.sigma.items() if e is not None}
        for p, e in new_e.items():
            if e is not None and free_names(e) & outer.keys():
                through = simplify(substitute(e, outer))
                new_e[p] = through
                through_caller = True
                proof.steps.append(f"{p}: in {caller.function}(), `{new[p].text}` stands for "
                                   f"`{to_c(through)}` ({caller.function}'s own substitution)")
    identity_all = True
    for p in [q.name for q in change.new_params]:
        if p in body.sigma and body.sigma[p] is None:
            if not side_effect_free(new_e[p]):
                return _undecided(proof, f"argument `{new[p].text}` for the unused {p} "
                                  "may have side effects")
            proof.steps.append(f"{p}: not read by the body; `{new[p].text}` has no side effects")
            continue
        target = body.sigma.get(p)
        if target is None:  # a kept parameter, or one the removed ones derive from
            if p not in old:
                if any(p in body.tau_names(r) for r in body.tau):
                    continue  # checked with the removed parameter below
                return _undecided(proof, f"no substitution is known for {p}")
            if _normal_text(old[p]) == _normal_text(new[p]):
                continue  # unchanged argument text
            want: Expr | None = old_e[p]
            what = f"old {p} argument"
        else:
            needed = {n for n in body.sigma_names(p) if n in old}
            if any(old_e[n] is None for n in needed):
                return _undecided(proof, f"an old argument for {', '.join(sorted(needed))} "
                                  "cannot be parsed")
            held = as_passed({n: old_e[n] for n in needed}, target, body.types,  # type: ignore[misc]
                             profile)
            want = simplify(substitute(target, held))
            what = f"{to_c(target)} with the old arguments"
        ok = _equal(proof, p, new_e[p], want, new[p].text, what, body.types.get(p), profile,
                    lambda: _caller_definitions(call, old_e, neutral))
        identity_all &= ok in ("identity", "context")
        if ok in ("differs", "unknown"):
            return proof
        if target is not None and not side_effect_free(new_e[p], profile.pure_functions):
            # the old call evaluated this once; the new one evaluates it again
            return _undecided(proof, f"{p}: `{new[p].text}` calls a function the old call "
                              "already evaluated; evaluating it twice may differ")
    for r, derived in body.tau.items():
        needed_new = {n: new_e[n] for n in new if n in body.tau_names(r)}
        if any(v is None for v in needed_new.values()):
            return _undecided(proof, f"a new argument that {r} derives from cannot be parsed")
        have = simplify(substitute(derived, needed_new))  # type: ignore[arg-type]
        field_row(call, r, derived, have, lambda: _caller_definitions(call, old_e, neutral))
        ok = _equal(proof, r, have, old_e.get(r), to_c(have), f"old {r} argument",
                    body.types.get(r), profile, lambda: _caller_definitions(call, old_e, neutral))
        identity_all &= ok in ("identity", "context")
        if ok in ("differs", "unknown"):
            return proof
    for r in [q.name for q in change.old_params if q.name not in new and q.name not in body.tau]:
        if not side_effect_free(old_e.get(r)):
            return _undecided(proof, f"the dropped argument `{old[r].text}` for {r} "
                              "may have side effects")
        proof.steps.append(f"{r}: dropped; `{old[r].text}` had no side effects")
    for side, guard, cond in body.provisos:
        args = new_e if side == "new" else old_e
        bound = {q: e for q, e in args.items() if e is not None}
        under = simplify(substitute(cond, bound))
        dead = prove_always_false(under, profile)
        if not dead.proved:
            return _undecided(proof, f"the {'added' if side == 'new' else 'removed'} `{guard}` "
                              f"runs for this call when {to_c(under)}"
                              + (f", e.g. {describe_model(dead.model)}" if dead.model else ""))
        proof.steps.append(f"`{guard}` never runs for this call: {to_c(under)} is false for "
                           "every value (z3)")
    proof.method = body.method(" (token identity)" if identity_all else " (z3)")
    if through_caller and caller is not None:
        proof.method += f"; with {caller.function}()'s own substitution " + ", ".join(
            f"{q} := {to_c(e)}" for q, e in caller.sigma.items() if e is not None
        )
    proof.reason = "every new argument is what the substitution gives for this call's old ones"
    return proof


def _caller_definitions(
    call: CallSite, old_e: dict[str, Expr | None], neutral: frozenset[str]
) -> tuple[Definitions, Definitions] | None:
    # the same calls set aside as when the caller's change was first judged
    defs = context_definitions(call.old_context, call.new_context, neutral)
    if defs is None:
        return None
    # a name the new side defines afresh must not be one the old call read
    old_read = {n for e in old_e.values() if e is not None for n in free_names(e)}
    if defs[1].names() & old_read:
        return None
    supported(call, defs)
    return defs


def _undecided(proof: CallProof, reason: str) -> CallProof:
    proof.status = "unknown"
    proof.reason = reason
    proof.steps.append(reason)
    return proof


def _equal(
    proof: CallProof,
    param: str,
    have: Expr | None,
    want: Expr | None,
    have_text: str,
    what: str,
    ctype: CType | None,
    profile: ArchProfile,
    lookup: Callable[[], tuple[Definitions, Definitions] | None] | None = None,
) -> str:
    """Compare one argument; record the step; return identity|z3|differs|unknown."""
    if have is None or want is None:
        _undecided(proof, f"{param}: `{have_text}` or {what} cannot be parsed")
        return "unknown"
    if have == want:
        proof.steps.append(f"{param}: `{have_text}` is {what} `{to_c(want)}` (token identity)")
        return "identity"
    defs = lookup() if lookup is not None else None
    if defs is not None:
        old_defs, new_defs = defs
        have_r, want_r = simplify(new_defs.resolve(have)), simplify(old_defs.resolve(want))
        # a field of a struct the caller builds that no statement sets is not a free value
        unset = new_defs.unknown_fields(have_r) + old_defs.unknown_fields(want_r)
        if unset:
            proof.steps += [st for st in packed_steps(defs, "the caller")
                            if st not in proof.steps]
            _undecided(proof, f"{param}: the caller never sets {', '.join(unset)}: its "
                       "value is not known (no initializer zeroes it)")
            return "unknown"
        if (have_r, want_r) != (have, want):
            proof.steps.append(
                f"{param}: with the caller's own new definitions, `{have_text}` is "
                f"`{to_c(have_r)}` and {what} is `{to_c(want_r)}`"
            )
            proof.steps += [st for st in packed_steps(defs, "the caller")
                            if st not in proof.steps]
            have, want = have_r, want_r
            if have == want:
                proof.steps.append(f"{param}: equal (token identity)")
                return "context"
    proof.used_solver = True
    r: ProofResult = prove_equal(want, have, profile, types=None, as_type=ctype)
    if r.proved:
        on = "" if r.macros == "free" else f" on {r.macros}"
        proof.steps.append(f"{param}: `{have_text}` equals {what} `{to_c(want)}` (z3{on})")
        return "z3"
    if r.status == "counter-model":
        proof.status = "differs"
        proof.counter_model = r.model
        proof.reason = (
            f"{param}: `{have_text}` is not {what} `{to_c(want)}`: they differ "
            f"{describe_when(r.model, r.macros)}"
        )
        constants = unknown_constants(free_names(have) | free_names(want), profile.macros)
        if constants:
            names = ", ".join(f"`{n}`" for n in constants)
            proof.reason += (f"; would need the definition of {names}: its value is not in "
                             f"the mail or the {profile.name} profile")
        proof.steps.append(proof.reason)
        return "differs"
    _undecided(proof, f"{param}: z3 could not compare `{have_text}` with `{to_c(want)}` "
               f"({r.detail})")
    return "unknown"


def reachable_assertions(
    body: BodyProof, change: SignatureChange, call: CallSite, profile: ArchProfile
) -> tuple[list[ReachableAssertion], list[str]]:
    """Added assertions this call's new arguments can make fire (z3), and notes."""
    new = _bind([p.name for p in change.new_params], call.new_args or [])
    out: list[ReachableAssertion] = []
    notes: list[str] = []
    if new is None:
        return out, notes
    bound = {p: e for p, a in new.items() if (e := _parse_arg(a)) is not None}
    for text, condition in body.added_conditions:
        cond = substitute(condition, bound)
        r = prove_always_false(cond, profile)
        constants = unknown_constants(free_names(cond), profile.macros)
        if r.status == "counter-model" and constants:
            names = ", ".join(f"`{n}`" for n in constants)
            notes.append(f"{text} with this call's arguments: undecided: {to_c(cond)} holds "
                         f"for some values of {names}, whose value is not in the mail or the "
                         f"{profile.name} profile; would need the definition of {names} "
                         "(--tree reads the tree's headers)")
        elif r.status == "counter-model":
            out.append(ReachableAssertion(text, to_c(cond), r.model, r.macros))
        elif r.proved:
            on = "" if r.macros == "free" else f" on {r.macros}"
            notes.append(f"{text} with this call's arguments: {to_c(cond)} is "
                         f"false for every value (z3{on})")
        else:
            notes.append(f"{text} with this call's arguments: undecided ({r.detail})")
    return out, notes
