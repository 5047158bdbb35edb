"""Signature changes: which parameters were added, removed, renamed or moved.

A parameter keeps its identity across a rename when it stays in its slot
with its type (``start_vma`` -> ``vma``); parameters that keep their names
are the same parameter wherever they move.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from patchscope.core import Declaration, Finding, Param, Renamed, Severity, SignatureChange
from patchscope.csource.attributes import attribute_findings, unproved_interface


def norm(type_text: str) -> str:
    """A type's text with its spacing normalised, for comparing."""
    return " ".join(type_text.split()).replace("* *", "**")


def same_params(a: list[Param], b: list[Param]) -> bool:
    """Whether two parameter lists read the same (types and names)."""
    return [(norm(p.type), p.name) for p in a] == [(norm(p.type), p.name) for p in b]


@dataclass
class ParamDiff:
    """What changed between two parameter lists; see :func:`diff_params`."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    renamed: list[Renamed] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    # old parameter name -> new name, for every parameter that persists
    persists: dict[str, str] = field(default_factory=dict)


def _label(p: Param, i: int) -> str:
    return p.name or f"#{i + 1}"


def _longest_increasing(seq: list[int]) -> set[int]:
    """Indexes (into *seq*) of one longest strictly increasing subsequence."""
    best: list[list[int]] = []
    for i, v in enumerate(seq):
        chains = [c for c in best if seq[c[-1]] < v]
        chain: list[int] = max(chains, key=len) if chains else []
        best.append(chain + [i])
    if not best:
        return set()
    longest: list[int] = max(best, key=len)
    return set(longest)


def diff_params(old: list[Param], new: list[Param]) -> ParamDiff:
    """How *new* differs from *old*, parameter by parameter."""
    out = ParamDiff()
    match: dict[int, int] = {}  # old index -> new index
    new_by_name = {p.name: j for j, p in enumerate(new) if p.name}
    for i, p in enumerate(old):
        if p.name and p.name in new_by_name:
            match[i] = new_by_name[p.name]
    taken = set(match.values())
    # renamed in place: the slot after the same matched neighbour, same type
    for i, p in enumerate(old):
        if i in match:
            continue
        j = match[i - 1] + 1 if i > 0 and (i - 1) in match else (0 if i == 0 else None)
        if j is None and i < len(new) and len(old) == len(new):
            j = i
        if j is not None and j < len(new) and j not in taken and norm(new[j].type) == norm(p.type):
            match[i] = j
            taken.add(j)
            out.renamed.append(Renamed(old=_label(p, i), new=_label(new[j], j)))
    for i, p in enumerate(old):
        if i in match:
            out.persists[_label(p, i)] = _label(new[match[i]], match[i])
        else:
            out.removed.append(_label(p, i))
    out.added = [_label(p, j) for j, p in enumerate(new) if j not in taken]
    order = sorted(match)
    targets = [match[i] for i in order]
    keep = _longest_increasing(targets)
    out.moved = [_label(new[targets[k]], targets[k]) for k in range(len(order)) if k not in keep]
    return out


def prototype_type_changes(change: SignatureChange) -> list[str]:
    """A prototype that changes the type of a parameter it keeps, in words.

    Callers that see only the prototype convert their arguments to its types,
    so such a change can alter what a call passes; the body proof compares
    the definition's parameters only, so it is never covered.
    """
    out = []
    definition = next((d for d in change.declarations if d.kind == "definition"
                       and (d.file, d.line) == (change.file, change.line)), None)
    for decl in change.declarations:
        if decl.kind != "prototype":
            continue
        out += _disagreement(decl, definition)
        diff = diff_params(decl.old_params, decl.new_params)
        old_at = {_label(p, i): p for i, p in enumerate(decl.old_params)}
        new_at = {_label(p, j): p for j, p in enumerate(decl.new_params)}
        for old_name, new_name in diff.persists.items():
            a, b = old_at[old_name], new_at[new_name]
            if norm(a.type) != norm(b.type):
                out.append(
                    f"the prototype at {decl.file}:{decl.line} changes the type of "
                    f"`{new_name}` from `{norm(a.type)}` to `{norm(b.type)}`: callers that see "
                    "it convert their arguments differently, and no proof compares that"
                )
    return out


def _types(params: list[Param]) -> list[str]:
    return [norm(p.type) for p in params]


def _disagreement(proto: Declaration, definition: Declaration | None) -> list[str]:
    """The patch makes a prototype's parameter types disagree with the definition's.

    Conflicting types do not compile where both are seen, and where they are
    not, callers convert to the prototype's types; a disagreement the old side
    already had (a typedef spelled two ways, say) is not the patch's doing.
    """
    if definition is None or len(proto.new_params) != len(definition.new_params):
        return []
    old_same = len(proto.old_params) == len(definition.old_params)
    out = []
    new_p, new_d = _types(proto.new_params), _types(definition.new_params)
    old_p, old_d = _types(proto.old_params), _types(definition.old_params)
    for i, (a, b) in enumerate(zip(new_p, new_d, strict=True)):
        if a == b or (old_same and i < len(old_p) and (old_p[i], old_d[i]) == (a, b)):
            continue
        name = definition.new_params[i].name or f"#{i + 1}"
        out.append(
            f"the prototype at {proto.file}:{proto.line} declares `{name}` as `{a}` where the "
            f"definition at {definition.file}:{definition.line} says `{b}`: conflicting types "
            "do not compile, and callers that see only the prototype convert to its type"
        )
    return out


@dataclass
class DeclSeen:
    """A declaration plus what the report does not carry but the choice needs."""

    decl: Declaration
    is_inline: bool
    is_static: bool = False


def primary(decls: list[DeclSeen]) -> DeclSeen:
    """The declaration that defines the function for the report.

    A real definition beats a prototype; outside ``tools/`` beats test stubs;
    a ``.c`` file beats a header; non-inline beats inline.
    """

    def score(d: DeclSeen) -> tuple[int, int, int, int]:
        return (
            d.decl.kind == "definition",
            not d.decl.file.startswith("tools/"),
            not d.decl.file.endswith(".h"),
            not d.is_inline,
        )

    return max(decls, key=score)


def build_change(
    function: str, decls: list[DeclSeen], patch: int
) -> tuple[SignatureChange, list[Finding]]:
    """One :class:`SignatureChange` for *function* from all its changed declarations."""
    main = primary(decls)
    d = main.decl
    diff = diff_params(d.old_params, d.new_params)
    change = SignatureChange(
        function=function,
        file=d.file,
        line=d.line,
        old_params=d.old_params,
        new_params=d.new_params,
        added=diff.added,
        removed=diff.removed,
        renamed=diff.renamed,
        moved=diff.moved,
        declarations=[x.decl for x in decls],
    )
    change.unproved_interface = unproved_interface(change) + prototype_type_changes(change)
    findings = attribute_findings(function, change.declarations, patch)
    for x in decls:
        other = x.decl
        if other is d:
            continue
        if len(other.new_params) != len(d.new_params):
            findings.append(
                Finding(
                    check="declarations-disagree",
                    severity=Severity.WARNING,
                    message=f"this {other.kind} of {function}() has "
                    f"{len(other.new_params)} parameters, the {d.kind} in {d.file}:{d.line} "
                    f"{len(d.new_params)}",
                    file=other.file,
                    line=other.line,
                    patch=patch,
                )
            )
            continue
        if other.kind != "prototype" or d.kind != "definition":
            continue
        for pos, (a, b) in enumerate(zip(other.new_params, d.new_params, strict=True)):
            if a.name and b.name and a.name != b.name:
                findings.append(
                    Finding(
                        check="prototype-name-mismatch",
                        severity=Severity.INFO,
                        message=f"the prototype of {function}() in {other.file} names parameter "
                        f"{pos + 1} '{a.name}' where the definition in {d.file} says '{b.name}'",
                        file=other.file,
                        line=other.line,
                        patch=patch,
                    )
                )
    return change, findings
