"""The substitution proof of a changed function's body.

For a function whose parameter list a patch changes, find a substitution
from the new parameters to expressions over the old ones (``tree_max :=
ceiling``, ``lim := p ? p->end : TOP``, a rename) under which the new body is
the old body, comments and layout aside.  Two directions are collected while
the bodies are compared expression by expression:

- sigma: a new parameter standing where the old body had an expression;
- tau: a removed parameter the old body read where the new body now derives
  it from the new parameters (``mm`` became ``vma->vm_mm``).

Assertions the patch adds are ignored only when their condition, under the
substitution, is false for every value (decided by z3); assertions it removes
only when they could never fire.  :mod:`patchscope.equivalence.callsite` then
checks each call against the substitution.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from patchscope.arch import ArchProfile
from patchscope.cexpr.cparse import parse_tokens
from patchscope.cexpr.ctypes import CType, type_from_spelling
from patchscope.cexpr.expr_ast import (
    Expr,
    Name,
    free_names,
    substitute,
    to_c,
    value_chains,
)
from patchscope.clang import Token
from patchscope.core import Declaration, Param, SignatureChange
from patchscope.equivalence.bodydiff import (
    Assertion,
    body_tokens,
    diff_regions,
    find_assertions,
    find_guards,
    without,
)
from patchscope.equivalence.derived import derived_locals
from patchscope.equivalence.derived import describe as describe_local
from patchscope.equivalence.neutral import (
    NeutralUnifier,
    neutral_problem,
    pure_notes,
    zero_arguments,
)
from patchscope.equivalence.ptypes import type_problems
from patchscope.equivalence.soundness import global_like, soundness_problem
from patchscope.equivalence.symbolic import (
    ProofResult,
    describe_model,
    describe_when,
    prove_always_false,
)
from patchscope.equivalence.typemap import (
    branch_swaps,
    enum_notes,
    truth_only_new,
    truth_steps,
)
from patchscope.equivalence.unify import CalleeSubstitution
from patchscope.equivalence.uses import read_only_for_truth, uses_name
from patchscope.errors import ParseError


@dataclass
class AssertionCheck:
    """An assertion the patch adds or removes, and whether it can fire."""

    side: str  # "added" | "removed"
    assertion: str  # as written, e.g. "WARN_ON_ONCE(tree_max - 1 > ceiling - 1)"
    condition: Expr  # in the terms of its own side's parameters
    substituted: str  # the condition under the substitution
    result: ProofResult
    guard: bool = False  # an `if (cond) ...` statement, not an assertion

    def sentence(self) -> str:
        if self.result.proved:
            on = "" if self.result.macros == "free" else f" on {self.result.macros}"
            if self.guard:
                return (f"{self.side} `{self.assertion}` never runs: {self.substituted} is "
                        f"false for every value (z3{on})")
            return (
                f"{self.side} {self.assertion} is false for every value: "
                f"{self.substituted} (z3{on})"
            )
        if self.result.status == "counter-model":
            values = describe_model(self.result.model)
            if self.guard:
                return (f"{self.side} `{self.assertion}` runs when {self.substituted}, e.g. "
                        f"{values}: each call must make it false")
            return (f"{self.side} {self.assertion} can fire: {self.substituted} holds "
                    f"{describe_when(self.result.model, self.result.macros)}")
        return f"{self.side} {self.assertion}: undecided ({self.result.detail})"


@dataclass
class BodyProof:
    """The outcome of comparing one function's old and new bodies."""

    function: str
    file: str
    status: str  # "proved" | "differs" | "unknown"
    reason: str
    sigma: dict[str, Expr | None] = field(default_factory=dict)  # None: body never reads it
    tau: dict[str, Expr] = field(default_factory=dict)
    assertions: list[AssertionCheck] = field(default_factory=list)
    hunks_only: bool = True
    steps: list[str] = field(default_factory=list)
    types: dict[str, CType] = field(default_factory=dict)
    old_params: list[Param] = field(default_factory=list)
    new_params: list[Param] = field(default_factory=list)
    # every assertion the new body adds, in the new parameters' terms, even
    # when the comparison stopped early: calls are checked against them
    added_conditions: list[tuple[str, Expr]] = field(default_factory=list)
    # guarded statements only one side has, that some values make run: each
    # call must make the condition false ("new": over the new parameters)
    provisos: list[tuple[str, str, Expr]] = field(default_factory=list)

    @property
    def proved(self) -> bool:
        return self.status == "proved"

    def dropped(self) -> list[str]:
        """Old parameters the new signature drops and the body never read."""
        new = {p.name for p in self.new_params}
        used = {n for e in self.sigma.values() if e is not None for n in free_names(e)}
        return [p.name for p in self.old_params
                if p.name and p.name not in new and p.name not in self.tau
                and p.name not in used]

    def callee_substitution(self) -> CalleeSubstitution:
        return CalleeSubstitution(
            self.function,
            tuple(p.name for p in self.old_params),
            tuple(p.name for p in self.new_params),
            dict(self.sigma),
            dict(self.tau),
        )

    def sigma_names(self, param: str) -> set[str]:
        e = self.sigma.get(param)
        return free_names(e) if e is not None else set()

    def tau_names(self, param: str) -> set[str]:
        e = self.tau.get(param)
        return free_names(e) if e is not None else set()

    def substitution_text(self) -> str:
        parts = [f"{p} := {to_c(e)}" for p, e in self.sigma.items() if e is not None]
        parts += [f"old {r} := {to_c(e)}" for r, e in self.tau.items()]
        parts += [f"{p} unread" for p, e in self.sigma.items() if e is None]
        parts += [f"{name} dropped (unread)" for name in self.dropped()]
        return ", ".join(parts) if parts else "identity"

    def substitution_strings(self) -> dict[str, str]:
        return {p: (to_c(e) if e is not None else "(unused)") for p, e in self.sigma.items()}

    def method(self, call_check: str = "") -> str:
        """``substitution tree_max := ceiling; added WARN_ON_ONCE(...) is false ...``;
        *call_check* says how a call matched it, e.g. " (token identity)"."""
        text = f"substitution {self.substitution_text()}{call_check}"
        added = [a for a in self.assertions if a.side == "added"]
        for a in added:
            if a.result.proved:
                text += f"; added {a.assertion} is false for every value (z3)"
        for side, guard, _ in self.provisos:
            text += f"; provided the {'added' if side == 'new' else 'removed'} `{guard}` never runs"
        text += "; hunks only" if self.hunks_only else "; whole function"
        return text


def _definition(change: SignatureChange) -> Declaration | None:
    bodies = [
        d
        for d in change.declarations
        if d.kind == "definition" and d.old_body is not None and d.new_body is not None
    ]
    primary = [d for d in bodies if d.file == change.file]
    chosen = primary or bodies
    return chosen[0] if chosen else None


def _prototype_names_only(change: SignatureChange, profile: ArchProfile) -> BodyProof | None:
    """The proof for a change that only renames parameters of prototypes, if it is one.

    A parameter's name in a prototype names nothing outside it: with the same
    types in the same places, every call means what it meant.  Only when the
    patch changes nothing but these prototypes (``prototypes_alone``: no body
    can have changed with them); not for unnamed parameters (the call is
    bound by name).
    """
    if not change.prototypes_alone:
        return None  # some other line of the patch changes: perhaps the body
    for d in change.declarations:
        if len(d.old_params) != len(d.new_params):
            return None
        for a, b in zip(d.old_params, d.new_params, strict=True):
            if " ".join(a.type.split()) != " ".join(b.type.split()) or not (a.name and b.name):
                return None
    pairs = list(zip(change.old_params, change.new_params, strict=True))
    proof = BodyProof(change.function, change.file, "proved", "")
    proof.types = _param_types(change.old_params + change.new_params, profile)
    proof.old_params, proof.new_params = change.old_params, change.new_params
    proof.sigma = {b.name: Name(a.name) for a, b in pairs if a.name != b.name}
    where = ", ".join(f"{d.file}:{d.line}" for d in change.declarations)
    renames = [f"{a.name} -> {b.name}" for a, b in pairs if a.name != b.name]
    proof.steps.append(f"only prototypes change ({where}); the parameter types stay in their "
                       "places")
    if renames:
        proof.steps.append("a parameter name in a prototype names nothing outside it: every "
                           "call binds its arguments by position, as before")
        proof.steps.append("assumed: no macro is named like "
                           + ", ".join(f"`{b.name}`" for a, b in pairs if a.name != b.name)
                           + " (it would change what the prototype declares)")
        proof.reason = (f"the prototypes of {change.function}() only rename parameters "
                        f"({', '.join(renames)})")
    else:
        # attributes that only check callers (unproved_interface is empty)
        proof.reason = (f"the prototypes of {change.function}() change only what the "
                        "compiler checks at each call")
    return proof


_Matched = tuple[NeutralUnifier, list[Assertion], list[Assertion], list[Token], list[Token],
                 list[str]]


def _match_bodies(
    old_tokens: list[Token],
    new_tokens: list[Token],
    bindable: set[str],
    removed: set[str],
    callees: dict[str, CalleeSubstitution],
    guards: bool,
) -> _Matched | str:
    """Unify the bodies region by region; the reason in words if they differ."""
    removed_a: list[Assertion] = []
    added_a: list[Assertion] = []
    old_t, new_t = old_tokens, new_tokens
    if guards:
        removed_a, added_a, old_t, new_t = _split(old_t, new_t, find_guards)
        if not removed_a and not added_a:
            return "no guarded statement to set aside"
    r_a, a_a, old_rest, new_rest = _split(old_t, new_t, find_assertions)
    removed_a += r_a
    added_a += a_a
    unifier = NeutralUnifier(bindable, removed, callees)  # `gfp | extra` as `gfp`
    steps = []
    for region in diff_regions(old_rest, new_rest, set(callees)):
        try:
            old_e = parse_tokens(region.old, region.old_text) if region.old else None
            new_e = parse_tokens(region.new, region.new_text) if region.new else None
        except ParseError:
            old_e = new_e = None
        if old_e is None or new_e is None:
            return (
                f"the bodies differ beyond a parameter substitution: "
                f"`{region.old_text or '(nothing)'}` became `{region.new_text or '(nothing)'}`"
            )
        if not unifier.unify(new_e, old_e):
            detail = f" ({unifier.conflict})" if unifier.conflict else ""
            return (
                f"`{to_c(old_e)}` became `{to_c(new_e)}`, which no substitution of the new "
                f"parameters explains{detail}"
            )
        steps.append(f"`{to_c(old_e)}` became `{to_c(new_e)}`")
    return unifier, removed_a, added_a, old_rest, new_rest, steps


def _split(
    old: list[Token], new: list[Token], find: Callable[[list[Token]], list[Assertion]]
) -> tuple[list[Assertion], list[Assertion], list[Token], list[Token]]:
    """Statements *find* picks that only one side has, and both streams without them."""
    old_a, new_a = find(old), find(new)
    common = Counter(a.spelling for a in old_a) & Counter(a.spelling for a in new_a)
    removed, added = [], []
    budget = Counter(common)
    for a in old_a:
        if budget[a.spelling]:
            budget[a.spelling] -= 1
        else:
            removed.append(a)
    budget = Counter(common)
    for a in new_a:
        if budget[a.spelling]:
            budget[a.spelling] -= 1
        else:
            added.append(a)
    return removed, added, without(old, removed), without(new, added)


def _param_types(params: list[Param], profile: ArchProfile) -> dict[str, CType]:
    out: dict[str, CType] = {}
    for p in params:
        t = type_from_spelling(p.type.replace("const ", ""), profile)
        if t is not None and p.name:
            out[p.name] = t
    return out


def definitions(change: SignatureChange) -> list[Declaration]:
    """Every definition of *change*'s function the patch shows, the primary first.

    Each counts: per-architecture definitions, ``#if``/``#else`` variants, a
    test program's own (``tools/testing/``) all bind some call.
    """
    defs = [d for d in change.declarations if d.kind == "definition"]
    first = _definition(change)
    return ([first] if first is not None else []) + [d for d in defs if d is not first]


def prove_body(
    change: SignatureChange,
    profile: ArchProfile,
    callees: dict[str, CalleeSubstitution] | None = None,
    decl: Declaration | None = None,
) -> BodyProof:
    """Find the substitution under which the new body of *change* is its old body.

    *callees*: proved substitutions of other functions the same patch changes;
    calls of them in this body are compared through them (a new parameter
    passed down a chain of calls).  *decl*: the definition to compare (default:
    the primary one).
    """
    callees = {f: c for f, c in (callees or {}).items() if f != change.function}
    if change.unproved_interface:
        # the body may be equal, but callers see a different function
        return BodyProof(change.function, change.file, "unknown",
                         "; ".join(change.unproved_interface))
    if decl is None:
        decl = _definition(change)
    elif decl.old_body is None or decl.new_body is None:
        return BodyProof(
            change.function,
            decl.file,
            "unknown",
            f"the body of {change.function}() in {decl.file} is not visible in the patch",
        )
    if decl is None:
        renamed = _prototype_names_only(change, profile)
        if renamed is not None:
            return renamed
        return BodyProof(
            change.function,
            change.file,
            "unknown",
            f"the body of {change.function}() is not visible in the patch",
        )
    # each definition is compared with its own parameter types (a stub's may
    # differ), under the names the callers' binding uses
    old_params, new_params = change.old_params, change.new_params
    if decl.old_params or decl.new_params:
        if [q.name for q in decl.old_params] != [q.name for q in old_params] or \
                [q.name for q in decl.new_params] != [q.name for q in new_params]:
            return BodyProof(
                change.function, decl.file, "unknown",
                f"the definition of {change.function}() in {decl.file}:{decl.line} names its "
                f"parameters otherwise than the one in {change.file}; calls are bound by the "
                "latter's names")
        old_params, new_params = decl.old_params, decl.new_params
    proof = BodyProof(change.function, decl.file, "proved", "", hunks_only=not decl.body_complete)
    proof.types = _param_types(old_params + new_params, profile)
    proof.old_params, proof.new_params = old_params, new_params
    scope = "the hunks' part of the body" if proof.hunks_only else "the whole body"
    proof.steps.append(f"compared {scope} of {change.function}() in {decl.file}, "
                       "comments and layout ignored")
    old_names = [p.name for p in old_params if p.name]
    new_names = [p.name for p in new_params if p.name]
    bindable = set(new_names) - set(old_names)
    removed = set(old_names) - set(new_names)
    try:
        old_tokens = body_tokens(decl.old_body or "")
        new_tokens = body_tokens(decl.new_body or "")
    except Exception as exc:  # libclang failures are reported, not raised
        return _fail(proof, "unknown", f"the body could not be lexed: {exc}")
    # `struct mm_struct *mm = vma->vm_mm;` at the top: mm is still the old parameter
    locals_, new_tokens = derived_locals(new_tokens, decl.new_body or "", old_params,
                                         removed, profile)
    # `struct elevator_queue *e = q->elevator;` at the old top, `e` a new parameter:
    # the value the callee computed at entry is now passed in (e := q->elevator)
    entry, stripped = derived_locals(old_tokens, decl.old_body or "", new_params,
                                     bindable, profile)
    # the name must not be read before its declaration (an earlier initializer
    # would read some outer name there, and the parameter now)
    keep = {n for n in entry if _declared_first(old_tokens, n)}
    if keep != set(entry):
        entry, stripped = derived_locals(old_tokens, decl.old_body or "", new_params,
                                         keep, profile)
    old_tokens = stripped
    bindable -= set(entry)
    unmatched = removed - set(locals_)
    matched = _match_bodies(old_tokens, new_tokens, bindable, unmatched, callees, guards=False)
    if isinstance(matched, str):
        # an added (or removed) `if (cond) ...` may be dead for every caller
        retry = _match_bodies(old_tokens, new_tokens, bindable, unmatched, callees, guards=True)
        if isinstance(retry, str):
            # `if (fast) A else B` became `if (mode == WALK_SLOW) B else A`
            retry = _match_swapped(old_tokens, new_tokens, bindable, unmatched, callees, proof)
        if isinstance(retry, str):
            return _fail(proof, "differs", matched)
        matched = retry
    unifier, removed_a, added_a, old_rest, new_rest, region_steps = matched
    proof.steps.extend(region_steps)
    for a in added_a:
        cond = _parsed(a)
        if cond is not None and not a.guard:
            proof.added_conditions.append((a.text(), cond))
    proof.tau = {**unifier.tau, **{n: v.expr for n, v in locals_.items()}}
    for p in new_names:
        if p in entry:
            proof.sigma[p] = entry[p].expr
            proof.steps.append(
                f"{p} := {to_c(entry[p].expr)}, the value the old body computed at entry "
                f"(`{entry[p].text}`, its first statements read nothing else first); both "
                f"bodies then use {p} alike")
        elif p in unifier.sigma:
            proof.sigma[p] = unifier.sigma[p]
        elif p in bindable:
            if not _in_tau(p, proof.tau):
                proof.sigma[p] = None  # the body never reads it
            if uses_name(old_rest, p):  # the old body had something else by that name
                return _fail(proof, "differs", f"{p} already names something in the old body")
    proof.steps.extend(describe_local(local) for local in locals_.values())
    for f in dict.fromkeys(unifier.through):
        proof.steps.append(f"calls of {f}() compared through its own substitution "
                           f"{_callee_text(callees[f])}")
    problem = soundness_problem(
        proof.sigma, proof.tau, set(old_names), set(new_names), old_tokens, new_tokens,
        proof.steps, set(locals_), set(entry),
    )
    if problem:
        return _fail(proof, "differs", problem)
    truth_only = {r for r in proof.tau if r not in locals_
                  and read_only_for_truth(old_tokens, r)}
    truth_new = truth_only_new(proof.sigma, proof.types, new_tokens)
    truth_only |= truth_new
    zeros, zero_notes = zero_arguments(proof.sigma, unifier.neutral, new_tokens)
    # an entry value's local was declared with the parameter's own type (derived_locals)
    problem, assumed = type_problems({p: e for p, e in proof.sigma.items()
                                      if p not in zeros and p not in entry},
                                     proof.tau, old_params, new_params, profile, truth_only)
    if problem:
        return _fail(proof, "unknown", problem)
    problem, neutral_steps = neutral_problem(unifier.neutral, new_params, profile)
    if problem:
        return _fail(proof, "unknown", problem)
    proof.steps.extend(neutral_steps + zero_notes)
    for name in sorted(truth_only - truth_new):
        ctype = proof.types.get(name)
        if ctype is not None and ctype.name == "bool":
            proof.steps.append(f"the old body only tests {name} (a bool) for truth: "
                               f"{to_c(proof.tau[name])} stands for it by its truth value")
    proof.steps.extend(truth_steps(truth_new, proof.sigma))
    proof.steps.extend(pure_notes([*proof.sigma.values(), *proof.tau.values()], profile))
    proof.steps.extend(enum_notes(new_params, {n for e in [*proof.sigma.values(),
                                                           *proof.tau.values()]
                                               if e is not None for n in free_names(e)}))
    for name, e in proof.sigma.items():
        if e is None:
            proof.steps.append(f"new parameter {name} is not read by the body")
        else:
            proof.steps.append(f"substitution {name} := {to_c(e)}")
    if proof.hunks_only:
        # a derivation declared at the top is read at entry: later lines do not matter
        at_use = [e for n, e in proof.tau.items() if n not in locals_]
        read = sorted({c for e in [*proof.sigma.values(), *at_use] if e is not None
                       for c in value_chains(e) if not global_like(c)})
        if read:
            proof.steps.append(f"assumed (hunks only): the lines the patch does not show do not "
                               f"write {', '.join(read)}")
    for name, e in proof.tau.items():
        if name not in locals_:
            proof.steps.append(f"removed parameter {name} is derived as {to_c(e)}")
    proof.steps.extend(a for a in assumed if "->" in a or "." in a)
    for name in proof.dropped():
        proof.steps.append(f"removed parameter {name} is not read by the old body"
                           + (" (in the hunks shown)" if proof.hunks_only else ""))
    _check_assertions(proof, removed_a, added_a, profile)
    if proof.status == "proved":
        proof.reason = (
            f"the new body of {change.function}() is the old one under "
            f"{proof.substitution_text()}"
            + (" (only the hunks' part of the body is visible)" if proof.hunks_only else "")
        )
    return proof


def _match_swapped(old_tokens: list[Token], new_tokens: list[Token], bindable: set[str],
                   removed: set[str], callees: dict[str, CalleeSubstitution],
                   proof: BodyProof) -> _Matched | str:
    """The bodies matched with some of the new body's if/else branches swapped."""
    for swapped, words in branch_swaps(new_tokens, bindable):
        matched = _match_bodies(old_tokens, swapped, bindable, removed, callees, guards=False)
        if not isinstance(matched, str):
            proof.steps.extend(words)
            return matched
    return "no if/else swapped matches"


def _declared_first(tokens: list[Token], name: str) -> bool:
    """Whether the first mention of *name* in *tokens* is its declaration ``name =``."""
    k = next((i for i, t in enumerate(tokens) if t.spelling == name), None)
    return k is not None and k + 1 < len(tokens) and tokens[k + 1].spelling == "="


def _callee_text(c: CalleeSubstitution) -> str:
    parts = [f"{p} := {to_c(e)}" for p, e in c.sigma.items() if e is not None]
    parts += [f"old {r} := {to_c(e)}" for r, e in c.tau.items()]
    return ", ".join(parts) or "identity"


def _in_tau(name: str, tau: dict[str, Expr]) -> bool:
    return any(name in free_names(e) for e in tau.values())


def _fail(proof: BodyProof, status: str, reason: str) -> BodyProof:
    proof.status = status
    proof.reason = reason
    proof.steps.append(reason)
    return proof


def _check_assertions(
    proof: BodyProof, removed_a: list[Assertion], added_a: list[Assertion], profile: ArchProfile
) -> None:
    sigma = {p: e for p, e in proof.sigma.items() if e is not None}
    unpaired_removed = list(removed_a)
    for a in added_a:
        try:
            cond = a.parse_condition()
        except ParseError as exc:
            _fail(proof, "unknown", f"added {a.name}() has an unparsable condition: {exc}")
            return
        under = substitute(cond, sigma)
        twin = next(
            (
                r
                for r in unpaired_removed
                if r.name == a.name and r.rest == a.rest and _parsed(r) == under
            ),
            None,
        )
        if twin is not None:
            unpaired_removed.remove(twin)
            proof.steps.append(f"{a.text()} is the old {twin.text()} under the substitution")
            continue
        if not _settle(proof, "added", a, cond, under, profile):
            return
    for r in unpaired_removed:
        cond_r = _parsed(r)
        if cond_r is None:
            _fail(proof, "unknown", f"removed {r.name}() has a condition that cannot be parsed")
            return
        if not _settle(proof, "removed", r, cond_r, cond_r, profile):
            return


def _settle(proof: BodyProof, side: str, a: Assertion, cond: Expr, under: Expr,
            profile: ArchProfile) -> bool:
    """Decide whether the assertion only one side has can fire; False: the proof failed.

    *cond* is its condition in its own side's terms, *under* the same under the
    substitution.  A guarded statement that some values make run is not a
    failure: each call must then make *cond* false (a proviso).
    """
    check = AssertionCheck(side, a.text(), cond, to_c(under),
                           prove_always_false(under, profile, types=proof.types), a.guard)
    proof.assertions.append(check)
    proof.steps.append(check.sentence())
    if a.guard and check.result.status == "counter-model":
        # dead or not depends on the caller: each call must make it false
        proof.provisos.append(("new" if side == "added" else "old", a.text(), cond))
        return True
    if not check.result.proved:
        status = "differs" if check.result.status == "counter-model" else "unknown"
        _fail(proof, status, check.sentence())
        return False
    return True


def _parsed(a: Assertion) -> Expr | None:
    try:
        return a.parse_condition()
    except ParseError:
        return None
