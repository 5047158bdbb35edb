"""Arguments passed on: a modelled callee's call that changes inside a function
whose callers fill the new values in (issue 11).

``unmap_region()`` gains ``pg_max``, its callers pass
``next ? next->vm_start : USER_PGTABLES_CEILING``, and inside it the call
``free_pgtables(..., next ? next->vm_start : USER_PGTABLES_CEILING, ...)``
becomes ``free_pgtables(..., pg_max, ...)`` (in the same patch, or in a later
one).  ``free_pgtables()`` keeps its signature, so no signature change decides
that call.  It is decided here through the enclosing function's callers: for
each caller, the enclosing function's parameters are bound to what that
caller passes (old parameters to its old arguments, new ones to its new
arguments); the inner call's old and new arguments under that binding are
compared (token identity, else z3, by :func:`.callsite.check_call` against the
callee's identity substitution), and for a modelled callee both are run
through the model with the values the caller binds, with a counterexample
where they differ.  The inner call is ``proved`` only when it is proved for
every caller, and every caller is known (how: :mod:`.callers`).

The binding reads the parameters as the caller passed them, at entry: a
parameter the inner call reads must not be written in the enclosing function
before the call (the visible lines are checked; in mbox mode the lines the
patch does not show are assumed not to, and the verdict says so).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from patchscope.arch import ArchProfile
from patchscope.cexpr import parse_expr
from patchscope.cexpr.expr_ast import simplify
from patchscope.clang import Token, blank_cut_comment, tokenize
from patchscope.core import (
    VERDICT_RANK,
    AnalysisMode,
    Argument,
    Basis,
    CallSite,
    CheckOptions,
    FileChange,
    Param,
    Patch,
    SignatureChange,
    Support,
    Verdict,
    VerdictKind,
)
from patchscope.equivalence.callers import (
    Binding,
    Sides,
    bound_args,
    caller_bindings,
    chains_read,
    hunk_sides,
)
from patchscope.equivalence.callsite import side_effect_free
from patchscope.equivalence.passfields import field_binding, resolve_args, unbound_reads
from patchscope.equivalence.substitution import BodyProof
from patchscope.equivalence.uses import assigned_names
from patchscope.errors import ParseError
from patchscope.models import modelled_functions
from patchscope.progress import Progress

# The signature each model knows its function by (the kernel's, before any
# patch): a call with another number of arguments is not decided here.
KNOWN_SIGNATURES: dict[str, tuple[Param, ...]] = {
    "free_pgtables": (
        Param("struct mmu_gather *", "tlb"),
        Param("struct ma_state *", "mas"),
        Param("struct vm_area_struct *", "vma"),
        Param("unsigned long", "floor"),
        Param("unsigned long", "ceiling"),
        Param("bool", "mm_wr_locked"),
    ),
}

DecideCall = Callable[..., Verdict]
_ANNOTATION = re.compile(r"\s*/\*\s*(\w+)\s*=\s*\*/")


@dataclass
class InnerCall:
    """A changed call of a modelled callee, and the function it sits in."""

    callee: str
    enclosing: str
    file: str
    line: int
    old_line: int
    old_args: list[str]
    new_args: list[str]
    # the enclosing function's tokens before the call, per side, as far as visible
    before: dict[str, list[Token]] = field(default_factory=dict)
    from_start: bool = False  # the window shows the enclosing function's head


@dataclass
class PassedOn:
    """The inner calls of one patch and what deciding them assumed."""

    calls: list[CallSite] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)


def _windows(fc: FileChange, tree: bool) -> list[tuple[Sides, str]]:
    """Each pair of old and new text around a change, with the hunk's section:
    in tree mode the whole files' windows (wide context), else the hunks."""
    if tree and fc.tree_windows:
        return [({"old": ("\n".join(w.old_lines) + "\n",
                          list(range(w.old_first, w.old_first + len(w.old_lines)))),
                  "new": ("\n".join(w.new_lines) + "\n",
                          list(range(w.new_first, w.new_first + len(w.new_lines))))}, "")
                for w in fc.tree_windows]
    return [(hunk_sides(h.lines), h.section) for h in fc.hunks]


def _calls(tokens: list[Token], names: Sequence[str], text: str
           ) -> list[tuple[int, str, list[str]]]:
    """(token index, name, argument texts) of each whole call of *names*."""
    data = text.encode("utf-8", errors="surrogateescape")

    def source(toks: list[Token]) -> str:
        if not toks:
            return ""
        return data[toks[0].start:toks[-1].end].decode("utf-8", errors="surrogateescape")
    out = []
    for i, t in enumerate(tokens):
        if t.kind != "IDENTIFIER" or t.spelling not in names:
            continue
        if i + 1 >= len(tokens) or tokens[i + 1].spelling != "(":
            continue
        if i > 0 and tokens[i - 1].spelling in ("->", ".", "#"):
            continue
        depth, done = 0, False
        args: list[str] = []
        cur: list[Token] = []
        for tok in tokens[i + 2:]:
            if tok.kind == "COMMENT":
                cur.append(tok)  # an annotation such as /* mm_wr_locked = */ stays
            elif tok.spelling in ("(", "[", "{"):
                depth += 1
            elif tok.spelling in (")", "]", "}"):
                if depth == 0:
                    args.append(source(cur))
                    done = True
                    break
                depth -= 1
            elif tok.spelling == "," and depth == 0:
                args.append(source(cur))
                cur = []
                continue
            elif tok.spelling == ";":
                break
            cur.append(tok)
        if done:
            out.append((i, t.spelling, args))
    return out


def _head_before(tokens: list[Token], k: int) -> tuple[str, int] | None:
    """The definition whose body holds token *k*, if its head is in *tokens*:
    (name, index of its ``{``)."""
    depth = 0
    for j in range(k - 1, -1, -1):
        sp = tokens[j].spelling
        if sp == "}":
            depth += 1
        elif sp == "{":
            if depth:
                depth -= 1
                continue
            # the block holding the call: a function body when `name(...) {`
            if j > 0 and tokens[j - 1].spelling == ")":
                n, close = 1, j - 2
                while close >= 0 and n:
                    n += {")": 1, "(": -1}.get(tokens[close].spelling, 0)
                    close -= 1
                name = tokens[close] if close >= 0 else None
                before = tokens[close - 1] if close >= 1 else None
                if (name is not None and name.kind == "IDENTIFIER" and before is not None
                        and (before.kind in ("IDENTIFIER", "KEYWORD") or before.spelling == "*")
                        and before.spelling not in ("if", "while", "for", "switch", "return")):
                    if name.spelling not in ("if", "while", "for", "switch"):
                        return name.spelling, j
    return None


def _section_function(section: str) -> str | None:
    tokens = [t for t in tokenize(section) if t.kind != "COMMENT"]
    for a, b in zip(tokens, tokens[1:], strict=False):
        if a.kind == "IDENTIFIER" and b.spelling == "(":
            return a.spelling
    return None


def find_inner_calls(patch: Patch, names: Sequence[str]) -> list[InnerCall]:
    """Calls of *names* (functions the patch does not change) whose arguments
    the patch changes, with the function each sits in."""
    out: list[InnerCall] = []
    for fc in patch.files:
        if not fc.path.endswith((".c", ".h")) or fc.is_binary:
            continue
        for sides, section in _windows(fc, patch.mode is not AnalysisMode.MBOX):
            toks = {s: tokenize(blank_cut_comment(text)) for s, (text, _) in sides.items()}
            calls = {s: _calls(toks[s], names, blank_cut_comment(sides[s][0])) for s in sides}
            if len(calls["old"]) != len(calls["new"]):
                continue  # a call added or removed: nothing to pair
            for (ko, no, ao), (kn, nn, an) in zip(calls["old"], calls["new"], strict=True):
                if no != nn or ao == an:
                    continue
                heads = {s: _head_before(toks[s], k) for s, k in (("old", ko), ("new", kn))}
                found = heads["new"] or heads["old"]
                enclosing = found[0] if found else _section_function(section)
                if enclosing is None:
                    continue
                before = {}
                for s, k in (("old", ko), ("new", kn)):
                    h = heads[s]
                    before[s] = toks[s][h[1] + 1:k] if h else toks[s][:k]
                lines = {s: sides[s][1][toks[s][k].line - 1] for s, k in (("old", ko),
                                                                        ("new", kn))}
                out.append(InnerCall(no, enclosing, fc.path, lines["new"], lines["old"], ao, an,
                                     before, heads["old"] is not None
                                     and heads["new"] is not None))
    return out


def _written(tokens: list[Token], chains: set[str]) -> list[str]:
    written = assigned_names([t for t in tokens if t.kind != "COMMENT"])
    roots = {c.replace("->", ".").split(".")[0] for c in chains}
    return sorted(w for w in written
                  if w in chains or w.replace("->", ".").split(".")[0] in roots)


def _combine(verdicts: list[tuple[Binding, Verdict]], inner: InnerCall, label: str,
             arch: str) -> Verdict:
    steps: list[str] = []
    for b, v in verdicts:
        steps.append(f"caller binding {b.caller}() ({b.source}): {v.kind.value} ({v.method})")
        steps += [f"  {b.caller}(): {s}" for s in v.steps]
    refuted = next(((b, v) for b, v in verdicts if v.kind is VerdictKind.REFUTED), None)
    if refuted is not None:
        b, v = refuted
        return Verdict(VerdictKind.REFUTED, f"{label}; caller {b.caller}(): {v.method}",
                       f"with what {b.caller}() passes, {v.reason}", Basis.COUNTEREXAMPLE,
                       scenarios=v.scenarios, seed=v.seed, arch=v.arch or arch,
                       counterexample=v.counterexample, steps=steps)
    worst_b, worst = min(verdicts, key=lambda bv: VERDICT_RANK.get(bv[1].kind, 9))
    if worst.kind is VerdictKind.PROVED:
        callers = ", ".join(f"{b.caller}()" for b, _ in verdicts)
        return Verdict(VerdictKind.PROVED, f"{label}; proved for every caller ({callers})",
                       f"proved: for each caller of {inner.enclosing}() ({callers}), the new "
                       f"arguments of {inner.callee}() are the old ones", Basis.PROOF,
                       arch=arch, steps=steps)
    return Verdict(worst.kind, f"{label}; caller {worst_b.caller}(): {worst.method}",
                   f"with what {worst_b.caller}() passes: {worst.reason}", worst.basis,
                   scenarios=worst.scenarios, seed=worst.seed, arch=worst.arch or arch,
                   counterexample=worst.counterexample, steps=steps)


def _arguments(texts: list[str], params: tuple[Param, ...] | None) -> list[Argument]:
    names = [p.name for p in params] if params and len(params) == len(texts) else []
    out = []
    for k, text in enumerate(texts):
        m = _ANNOTATION.match(text)
        out.append(Argument(text, m.group(1) if m else None, names[k] if names else None))
    return out


def _pure(text: str) -> bool:
    try:
        return side_effect_free(simplify(parse_expr(text)))
    except ParseError:
        return False


def _identity(callee: str, file: str, params: list[Param], hunks_only: bool) -> BodyProof:
    body = BodyProof(callee, file, "proved", f"{callee}() is not changed by the patch",
                     hunks_only=hunks_only)
    body.old_params, body.new_params = list(params), list(params)
    return body


def decide_passed_on(
    patch: Patch, bodies: dict[str, BodyProof], earlier: Sequence[Patch],
    profile: ArchProfile, options: CheckOptions, progress: Progress, decide_call: DecideCall,
) -> PassedOn:
    """Find and decide the inner calls of *patch*; *bodies*: the proved or not
    body of each function whose signature the patch changes, by name."""
    out = PassedOn()
    changed = {c.function for c in patch.signature_changes}
    names = [n for n in modelled_functions() if n not in changed]
    if not names:
        return out
    for inner in find_inner_calls(patch, names):
        known = KNOWN_SIGNATURES.get(inner.callee)
        site = CallSite(inner.callee, inner.enclosing, inner.file, inner.line, inner.old_line,
                        _arguments(inner.old_args, known), _arguments(inner.new_args, known),
                        patch.mode)
        out.calls.append(site)
        job = _Job(inner, patch, profile, options, progress, decide_call, out)
        site.verdict = job.decide(known, bodies.get(inner.enclosing), earlier)
        site.support = job.support
    return out


@dataclass
class _Job:
    """Deciding one inner call."""

    inner: InnerCall
    patch: Patch
    profile: ArchProfile
    options: CheckOptions
    progress: Progress
    decide_call: DecideCall
    out: PassedOn
    support: list[Support] = field(default_factory=list)  # lines the proof read (passfields)
    earlier: list[Patch] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"through the callers of {self.inner.enclosing}()"

    def unknown(self, why: str, steps: list[str] | None = None) -> Verdict:
        return Verdict(VerdictKind.UNKNOWN, self.label, f"not proved: {why}", Basis.NONE,
                       arch=self.profile.name, steps=[*(steps or []), why])

    def decide(self, known: tuple[Param, ...] | None, body: BodyProof | None,
               earlier: Sequence[Patch]) -> Verdict:
        inner, tree = self.inner, self.patch.mode is not AnalysisMode.MBOX
        self.earlier = list(earlier)
        if known is None or len(known) != len(inner.old_args) or \
                len(inner.old_args) != len(inner.new_args):
            return self.unknown(
                f"the call of {inner.callee}() has {len(inner.new_args)} arguments; the "
                f"{inner.callee}() model knows {len(known or ())}")
        found = caller_bindings(self.patch, inner.enclosing, earlier)
        if isinstance(found, str):
            return self.unknown(found)
        bindings, assumed = found
        steps: list[str] = []
        if body is not None:
            steps.append(f"{inner.enclosing}()'s body proof: {body.status} "
                         f"(substitution {body.substitution_text()})")
        # the binding is what the callers passed at entry: the inner call must
        # read the parameters unchanged since.  An argument that reads the same
        # on both sides is bound alike on both.
        params = set(bindings[0].old) | set(bindings[0].new)
        differ = [k for k, (a, b) in enumerate(zip(inner.old_args, inner.new_args, strict=True))
                  if a != b]
        reads = chains_read([inner.old_args[k] for k in differ]
                            + [inner.new_args[k] for k in differ], params)
        roots = {r.replace("->", ".").split(".")[0] for r in reads}
        written = sorted(set(_written(inner.before["old"], reads))
                         | set(_written(inner.before["new"], reads)))
        if written:
            return self.unknown(f"{inner.enclosing}() writes {', '.join(written)} before the "
                                f"call of {inner.callee}()", steps)
        impure = [(b, p) for b in bindings for side in (b.old, b.new) for p, t in side.items()
                  if p in roots and not _pure(t)]
        if impure:
            b, p = impure[0]
            return self.unknown(f"{b.caller}() passes `{b.new.get(p) or b.old.get(p)}` for {p}: "
                                "it may have side effects, and the old code read it at the call",
                                steps)
        listed = ", ".join(sorted(reads))
        if reads and inner.from_start:
            steps.append(f"{inner.enclosing}() does not write {listed} before the call "
                         "(its lines from the start are shown)")
        elif reads:
            note = (f"{'' if tree else 'hunks only: '}the lines of {inner.enclosing}() above "
                    f"those shown do not write {listed}")
            steps.append(f"assumed: {note}")
            self.out.assumptions.append(note)
        if reads:
            note = (f"nothing {inner.enclosing}() calls before its call of {inner.callee}() "
                    f"writes {listed} (the callers' values are read at entry, the old code "
                    "read them at the call)")
            steps.append(f"assumed: {note}")
            self.out.assumptions.append(note)
        assumed.append(f"no call reaches {inner.enclosing}() through a function pointer")
        self.out.assumptions.extend(a for a in assumed if a not in self.out.assumptions)
        steps += [f"assumed: {a}" for a in assumed]
        verdicts = [(b, self.per_caller(b, known, roots, tree)) for b in bindings]
        verdict = _combine(verdicts, inner, self.label, self.profile.name)
        verdict.steps = steps + verdict.steps
        return verdict

    def per_caller(self, b: Binding, known: tuple[Param, ...], roots: set[str],
                   tree: bool) -> Verdict:
        inner = self.inner
        since = {fc.path for p in [*self.earlier, self.patch] if p.index > b.index
                 for fc in p.files}
        fields = field_binding(inner.before, inner.old_args, inner.new_args, b, since,
                               inner.enclosing, inner.callee, inner.file)
        if isinstance(fields, str):
            return self.unknown(fields)
        stray = unbound_reads(inner.old_args, inner.new_args, {**b.old, **fields.old},
                              {**b.new, **fields.new}, self.profile)
        if stray:
            # a name the callers do not fill in is not a free value: the model
            # would compare old and new over values the code never has
            return self.unknown(f"the call of {inner.callee}() reads {', '.join(stray)}, "
                                f"which {inner.enclosing}() does not take from its callers "
                                "(not a parameter, nor a local loaded from one before the "
                                "call)", fields.steps)
        old_b = bound_args(inner.old_args, {**b.old, **fields.old})
        new_b = bound_args(inner.new_args, {**b.new, **fields.new})
        if old_b is None or new_b is None:
            return self.unknown(f"an argument of {b.caller}()'s call or of the call of "
                                f"{inner.callee}() cannot be parsed")
        if fields.defs is not None:
            old_r = resolve_args(old_b, fields.defs[1 if b.later else 0])
            new_r = resolve_args(new_b, fields.defs[1])
            if isinstance(old_r, str) or isinstance(new_r, str):
                why = old_r if isinstance(old_r, str) else new_r
                return self.unknown(f"with what {b.caller}() stores: {why}", fields.steps)
            old_b, new_b = old_r, new_r
        self.out.assumptions.extend(a for a in fields.assumptions
                                    if a not in self.out.assumptions)
        self.support += [s for s in fields.support if s not in self.support]
        sub = ", ".join(f"{p} := {t}" for p, t in b.new.items() if p in roots)
        identity = _identity(inner.callee, inner.file, list(known), not tree)
        change = SignatureChange(inner.callee, inner.file, inner.line, list(known), list(known))
        call = CallSite(inner.callee, b.caller, inner.file, inner.line, inner.old_line,
                        [Argument(a) for a in old_b], [Argument(a) for a in new_b],
                        self.patch.mode)
        self.progress.note(f"{b.caller}() -> {inner.enclosing}() -> {inner.callee}()")
        v: Verdict = self.decide_call(identity, change, call, self.patch, self.profile,
                                      self.options, self.progress)
        v.steps = [f"binding of {inner.enclosing}()'s parameters by {b.caller}() "
                   f"({b.source}): {sub or 'none read'}", *fields.steps,
                   "old call: " + ", ".join(old_b), "new call: " + ", ".join(new_b), *v.steps]
        return v
