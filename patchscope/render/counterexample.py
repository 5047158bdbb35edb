"""Reading a counterexample for people: its facts in words, shared by text and HTML.

``Counterexample`` holds free-form dicts filled by a kernel model, so every
reader here is defensive: a key that is missing or has an unexpected shape
leaves that part out, it never breaks the report.  The keys and shapes
accepted are those of ``patchscope/models`` (the free_pgtables model) plus a
few spellings a future model may use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from patchscope.arch import PROFILES, X86_64, ArchProfile
from patchscope.core import Counterexample

LEVEL_NAMES = ("pte", "pmd", "pud", "p4d", "pgd")

# Roles whose value 0 stands for the top of the address space (see
# kernel-semantics.md: end, ceiling and tree_max use 0 for 2^bits).
TOP_ROLES = ("ceiling", "limit", "search", "tree_max", "max", "end")

# The model's role names (patchscope/models/roles.py), in words.
ROLE_WORDS = {
    "first_bound": "search limit",
    "gather_bound": "search limit",
    "floor": "floor",
    "ceiling": "ceiling",
}

# "tree_max" or "tree_max - 1": the parameter a role expression is read from
_ROLE_PARAM = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?:-\s*1\s*)?$")


@dataclass
class Vma:
    label: str
    start: int
    end: int


@dataclass
class FreedTable:
    level: str
    base: int
    count: int = 1  # a run of tables side by side, from base


@dataclass
class Side:
    """What one call (old or new) did, as far as the observations say."""

    unlinked: list[str] = field(default_factory=list)
    pgd_calls: list[dict[str, int | None]] = field(default_factory=list)
    freed: list[FreedTable] = field(default_factory=list)
    warn: bool | None = None
    other: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Facts:
    arch: ArchProfile
    vmas: list[Vma]
    layout_notes: list[tuple[str, str]]
    old_args: dict[str, Any]
    new_args: dict[str, Any]
    roles: dict[str, str]  # parameter -> role in words ("search limit", "ceiling" ...)
    role_text: list[tuple[str, str]]  # (side, "role `expression`, ...") as the model read them
    old: Side
    new: Side
    difference: str


def first(mapping: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in mapping and mapping[key] is not None:
            return mapping[key]
    return None


def as_int(value: Any) -> int | None:
    """An address from an int or a "0x..." string; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip(), 0)
        except ValueError:
            return None
    return None


def hexaddr(value: int | None) -> str:
    return "NULL" if value is None else f"{value:#x}"


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _vmas(scenario: Mapping[str, Any]) -> list[Vma]:
    out: list[Vma] = []
    for i, item in enumerate(_items(first(scenario, "vmas", "layout", "vma"))):
        if isinstance(item, Mapping):
            start = as_int(first(item, "start", "vm_start"))
            end = as_int(first(item, "end", "vm_end"))
            label = first(item, "name", "label", "id")
        elif isinstance(item, list | tuple) and len(item) >= 2:
            start, end, label = as_int(item[0]), as_int(item[1]), None
        else:
            continue
        if start is None or end is None:
            continue
        out.append(Vma(str(label) if label is not None else f"VMA {i}", start, end))
    return out


def _vma_name(value: Any, vmas: list[Vma]) -> str:
    """A VMA named by an observation: an index, a dict with start/end, or a label."""
    if isinstance(value, Mapping):
        start = as_int(first(value, "start", "vm_start"))
        for v in vmas:
            if v.start == start:
                return v.label
        end = as_int(first(value, "end", "vm_end"))
        return f"[{hexaddr(start)}, {hexaddr(end)})"
    index = as_int(value)
    if index is not None and not isinstance(value, str) and 0 <= index < len(vmas):
        return vmas[index].label
    return str(value)


def _pgd_call(item: Any) -> dict[str, int | None] | None:
    names = ("addr", "end", "floor", "ceiling")
    if isinstance(item, Mapping):
        call = {n: as_int(item.get(n)) for n in names if n in item}
        return call or None
    if isinstance(item, list | tuple) and len(item) == 4:
        return {n: as_int(v) for n, v in zip(names, item, strict=True)}
    return None


def _freed(item: Any) -> FreedTable | None:
    count: int | None = 1
    if isinstance(item, Mapping):
        level, base = first(item, "level", "kind"), as_int(first(item, "base", "addr", "start"))
        count = as_int(item.get("count", 1))
    elif isinstance(item, list | tuple) and len(item) >= 2:
        level, base = item[0], as_int(item[1])
    else:
        return None
    if base is None or level is None:
        return None
    return FreedTable(str(level).lower(), base, count if count and count > 0 else 1)


def _roles(raw: Mapping[str, Any]) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Parameter roles from the model's ``"new first_bound": "tree_max - 1"`` entries.

    A plain ``{"param": "role"}`` mapping is accepted too.
    """
    by_param: dict[str, list[str]] = {}
    by_side: dict[str, list[str]] = {}
    per_side: dict[str, dict[str, str]] = {}
    for key, value in raw.items():
        side, _, role = str(key).rpartition(" ")
        if side:
            per_side.setdefault(side, {})[role] = str(value)
    for key, value in raw.items():
        side, _, role = str(key).rpartition(" ")
        if not side:  # {"param": "role"}
            by_param.setdefault(str(key), []).append(str(value))
            continue
        base = words = ROLE_WORDS.get(role, role.replace("_", " "))
        mine = per_side[side]
        if mine.get("first_bound", value) != mine.get("gather_bound", value):
            # the two lookups are bounded differently: say which is which
            words += {"first_bound": " (first lookup)", "gather_bound": " (gathering)"}.get(
                role, "")
        by_side.setdefault(side, []).append(f"{words} `{value}`")
        found = _ROLE_PARAM.match(str(value))
        if found and base not in by_param.get(found.group(1), []):
            by_param.setdefault(found.group(1), []).append(base)
    roles = {param: " and ".join(dict.fromkeys(w)) for param, w in by_param.items()}
    return roles, [(side, ", ".join(dict.fromkeys(w))) for side, w in by_side.items()]


def _side(obs: Mapping[str, Any], vmas: list[Vma]) -> Side:
    side = Side()
    known = {
        "unlinked", "unlinked_vmas", "free_pgd_range", "free_pgd_range_calls", "pgd_calls",
        "freed", "freed_tables", "tables", "warn", "warned", "warn_fired",
    }
    side.unlinked = [_vma_name(v, vmas) for v in _items(first(obs, "unlinked", "unlinked_vmas"))]
    calls = first(obs, "free_pgd_range", "free_pgd_range_calls", "pgd_calls")
    side.pgd_calls = [c for c in map(_pgd_call, _items(calls)) if c is not None]
    freed = first(obs, "freed", "freed_tables", "tables")
    side.freed = [t for t in map(_freed, _items(freed)) if t is not None]
    warn = first(obs, "warn", "warned", "warn_fired")
    side.warn = warn if isinstance(warn, bool) else None
    for key, value in obs.items():
        if key not in known and isinstance(value, str | int | float | bool):
            side.other.append((str(key), str(value)))
    return side


def facts(cx: Counterexample) -> Facts:
    """Everything the report shows about *cx*, read defensively."""
    arch = PROFILES.get(str(cx.arch), X86_64)
    scenario = _mapping(cx.scenario)
    vmas = _vmas(scenario)
    notes: list[tuple[str, str]] = []
    for key, value in scenario.items():
        if key in ("vmas", "layout", "vma", "roles"):
            continue
        if value is None or value is False:
            continue  # an absent marker says nothing worth a line
        if isinstance(value, str | int | float | bool):
            number = as_int(value)
            # small numbers are counts or indexes (a tree position), not addresses
            shown = hexaddr(number) if number is not None and number >= 0x1000 else value
            notes.append((str(key), str(shown)))
        elif isinstance(value, list | tuple) and all(isinstance(v, str | int) for v in value):
            notes.append((str(key), ", ".join(str(v) for v in value)))
    roles, role_text = _roles(_mapping(scenario.get("roles")))
    return Facts(
        arch=arch,
        vmas=vmas,
        layout_notes=notes,
        old_args=dict(_mapping(cx.old_args)),
        new_args=dict(_mapping(cx.new_args)),
        roles=roles,
        role_text=role_text,
        old=_side(_mapping(cx.old), vmas),
        new=_side(_mapping(cx.new), vmas),
        difference=str(cx.difference or ""),
    )


def means_top(param: str, roles: Mapping[str, str]) -> bool:
    """Whether 0 passed as *param* stands for the top of the address space."""
    role = roles.get(param, param).lower()
    return any(word in role for word in TOP_ROLES)


def show_value(value: Any, param: str = "", roles: Mapping[str, str] | None = None) -> str:
    number = as_int(value)
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if number is None:
        return str(value)
    if number == 0 and param and means_top(param, roles or {}):
        return "0 (the top)"
    return hexaddr(number)


def _args_words(f: Facts) -> str:
    parts = []
    for name in list(dict.fromkeys([*f.old_args, *f.new_args])):
        old = show_value(f.old_args.get(name), name, f.roles) if name in f.old_args else None
        new = show_value(f.new_args.get(name), name, f.roles) if name in f.new_args else None
        if old is not None and new is not None and old == new:
            parts.append(f"{name} = {old}")
        elif old is not None and new is not None:
            parts.append(f"{name} = {old} (old), {new} (new)")
        elif new is not None:
            parts.append(f"{name} = {new} (new only)")
        else:
            parts.append(f"{name} = {old} (old only)")
    return "; ".join(parts)


def side_words(side: Side) -> str:
    parts: list[str] = []
    if side.unlinked:
        parts.append("unlinks " + ", ".join(side.unlinked))
    for call in side.pgd_calls:
        inner = ", ".join(f"{k}={hexaddr(v)}" for k, v in call.items())
        parts.append(f"free_pgd_range({inner})")
    if side.freed:
        tables = (
            f"{t.level.upper()} table @{t.base:#x}" if t.count == 1
            else f"{t.count} {t.level.upper()} tables from @{t.base:#x}"
            for t in side.freed
        )
        parts.append("frees " + ", ".join(tables))
    elif side.pgd_calls or side.unlinked:
        parts.append("frees no page table")
    if side.warn is not None:
        parts.append("WARN fires" if side.warn else "no WARN")
    parts.extend(f"{k}: {v}" for k, v in side.other)
    return "; ".join(parts) if parts else "no observations recorded"


def words(cx: Counterexample) -> list[tuple[str, str]]:
    """The counterexample as (heading, sentence) pairs, in reading order."""
    f = facts(cx)
    out: list[tuple[str, str]] = []
    layout = ", ".join(f"{v.label} [{v.start:#x}, {v.end:#x})" for v in f.vmas)
    notes = "; ".join(f"{k}: {v}" for k, v in f.layout_notes)
    out.append(("Layout", f"{f.arch.name}: " + ("; ".join(p for p in (layout, notes) if p)
                                                 or "no VMAs recorded")))
    args = _args_words(f)
    if args:
        out.append(("Arguments", args))
    if f.role_text:
        out.append(("Roles", "; ".join(f"{side}: {text}" for side, text in f.role_text)))
    out.append(("Old call", side_words(f.old)))
    out.append(("New call", side_words(f.new)))
    if f.difference:
        out.append(("Difference", f.difference))
    return out


def level_span(arch: ArchProfile, level: str) -> int:
    """How much address space one page-table page of *level* maps."""
    spans = {
        "pte": arch.pmd_size,
        "pmd": arch.pud_size,
        "pud": arch.p4d_size,
        "p4d": arch.pgdir_size,
    }
    return spans.get(level, arch.pmd_size)


def table_sets(f: Facts) -> tuple[set[tuple[str, int, int]], set[tuple[str, int, int]]]:
    old = {(t.level, t.base, t.count) for t in f.old.freed}
    new = {(t.level, t.base, t.count) for t in f.new.freed}
    return old, new


def levels_present(tables: Iterable[FreedTable]) -> list[str]:
    seen = {t.level for t in tables}
    ordered = [lv for lv in LEVEL_NAMES if lv in seen]
    return ordered + sorted(seen - set(ordered))
