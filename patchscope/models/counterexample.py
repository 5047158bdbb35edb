"""Counterexamples: words for the first difference, shrinking, the JSON shape."""

from __future__ import annotations

from collections.abc import Callable

from patchscope.arch import ArchProfile
from patchscope.core import Counterexample
from patchscope.models.loop import Observation
from patchscope.models.pgtable import LEVELS
from patchscope.models.scenarios import Scenario, grid_points

# a run of more tables than this is shown as its first base and a count
EXPAND_LIMIT = 8


def _labels(idx: tuple[int, ...]) -> str:
    return ", ".join(f"VMA {i}" for i in idx) or "nothing"


def _freed_set(obs: Observation) -> dict[tuple[int, int], int]:
    return {(lv, lo): hi for lv, lo, hi in obs.freed}


def difference(old: Observation, new: Observation, geo_spans: tuple[int, ...]) -> str | None:
    """The first observation that differs, in one sentence; None if equal."""
    if old.unlinked != new.unlinked:
        return (f"the old call unlinks {_labels(old.unlinked)}, the new call unlinks "
                f"{_labels(new.unlinked)}")
    for i, (a, b) in enumerate(zip(old.pgd_calls, new.pgd_calls, strict=False)):
        if a != b:
            return (f"free_pgd_range() call {i + 1}: old {_call(a)}, new {_call(b)}")
    if len(old.pgd_calls) != len(new.pgd_calls):
        return (f"the old call makes {len(old.pgd_calls)} free_pgd_range() calls, "
                f"the new one {len(new.pgd_calls)}")
    if old.freed != new.freed:
        only_old = _tables(old, new, geo_spans)
        only_new = _tables(new, old, geo_spans)
        parts = []
        if only_old:
            parts.append(f"only the old call frees {only_old}")
        if only_new:
            parts.append(f"only the new call frees {only_new}")
        return "; ".join(parts) or "the tables are freed in a different order"
    if old.warn != new.warn:
        return "the WARN fires in the " + ("new call only" if new.warn else "old call only")
    return None


def _call(c: tuple[int, int, int, int]) -> str:
    return "(addr={:#x}, end={:#x}, floor={:#x}, ceiling={:#x})".format(*c)


def _tables(a: Observation, b: Observation, spans: tuple[int, ...]) -> str:
    theirs = {(lv, base) for lv, base, _ in _expand(b.freed, spans, limit=None)}
    mine = [t for t in _expand(a.freed, spans, limit=None) if (t[0], t[1]) not in theirs]
    words = [f"the {LEVELS[lv].upper()} table @{base:#x}" for lv, base, _ in mine[:3]]
    if len(mine) > 3:
        words.append(f"{len(mine) - 3} more")
    return ", ".join(words)


def _expand(freed: tuple[tuple[int, int, int], ...], spans: tuple[int, ...],
            limit: int | None = EXPAND_LIMIT) -> list[tuple[int, int, int]]:
    """(level, base, count) entries: single tables, or runs beyond *limit*."""
    out = []
    for lv, lo, hi in freed:
        n = (hi - lo) // spans[lv]
        if limit is not None and n > limit:
            out.append((lv, lo, n))
        else:
            out.extend((lv, lo + k * spans[lv], 1) for k in range(min(n, 4096)))
    return out


def observation_dict(obs: Observation, spans: tuple[int, ...]) -> dict[str, object]:
    freed = []
    for lv, base, n in _expand(obs.freed, spans):
        item: dict[str, object] = {"level": LEVELS[lv], "base": base}
        if n > 1:
            item["count"] = n
        freed.append(item)
    return {
        "unlinked": [f"VMA {i}" for i in obs.unlinked],
        "free_pgd_range": [dict(zip(("addr", "end", "floor", "ceiling"), c, strict=True))
                           for c in obs.pgd_calls],
        "freed": freed,
        "warn": obs.warn,
    }


def scenario_dict(sc: Scenario, start: int, roles: dict[str, str]) -> dict[str, object]:
    out: dict[str, object] = {
        "vmas": [{"name": v.label, "start": v.vm_start, "end": v.vm_end} for v in sc.vmas],
        "tree": sc.tree,
        "first_vma": f"VMA {sc.first}",
        "start_position": start,
        "zero_entry": f"XA_ZERO_ENTRY in place of VMA {sc.zero_at}" if sc.zero_at is not None
        else None,
        "roles": roles,
    }
    if sc.tree == "detached":
        out["detached_entries"] = [f"{k}: VMA {i}" for k, i in
                                   enumerate(range(sc.first, sc.last + 1))]
    return out


def make(arch: str, sc: Scenario, start: int, roles: dict[str, str],
         old_args: dict[str, object], new_args: dict[str, object], old: Observation,
         new: Observation, spans: tuple[int, ...], what: str) -> Counterexample:
    def plain(v: object) -> object:
        return v.label if hasattr(v, "label") else v
    return Counterexample(
        arch=arch, scenario=scenario_dict(sc, start, roles),
        old_args={k: plain(v) for k, v in old_args.items()},
        new_args={k: plain(v) for k, v in new_args.items()},
        old=observation_dict(old, spans), new=observation_dict(new, spans), difference=what)


def shrink(sc: Scenario, profile: ArchProfile, still: Callable[[Scenario], bool]) -> Scenario:
    """A smaller scenario for which *still* holds: fewer VMAs, then simpler addresses."""
    best = sc
    changed = True
    while changed:
        changed = False
        for k in range(len(best.vmas)):
            cand = _drop(best, k)
            if cand is not None and still(cand):
                best, changed = cand, True
                break
    simple = sorted(set(grid_points(profile)))
    aligns = (profile.pgdir_size, profile.pud_size, profile.pmd_size, profile.page_size)
    changed = True
    rounds = 0
    while changed and rounds < 8:
        changed, rounds = False, rounds + 1
        spans = [(v.vm_start, v.vm_end) for v in best.vmas]
        for k in range(2 * len(spans)):
            cur = spans[k // 2][k % 2]
            options = [x for x in simple if x != cur]
            options += [cur - cur % a for a in aligns] + [cur - cur % a + a for a in aligns]
            options.sort(key=lambda x: (bin(x).count("1"), x))
            for x in options:
                trial = [list(s) for s in spans]
                trial[k // 2][k % 2] = x
                flat = [y for s in trial for y in s]
                ordered = all(flat[i] < flat[i + 1] if i % 2 == 0 else flat[i] <= flat[i + 1]
                              for i in range(len(flat) - 1))
                # user space: [FIRST_USER_ADDRESS, TASK_SIZE]
                if not (ordered and profile.first_user_address <= flat[0]
                        and flat[-1] <= profile.user_end):
                    continue
                if bin(x).count("1") >= bin(cur).count("1") and x >= cur:
                    continue
                cand = best.with_vmas([(a, b) for a, b in trial])
                if still(cand):
                    best, changed = cand, True
                    spans = [(a, b) for a, b in trial]
                    break
    return best


def _drop(sc: Scenario, k: int) -> Scenario | None:
    n = len(sc.vmas)
    if n <= 1 or k == sc.first or (sc.zero_at is not None and k == sc.zero_at):
        return None
    if sc.first < k <= sc.last and sc.last == sc.first:
        return None
    spans = [(v.vm_start, v.vm_end) for i, v in enumerate(sc.vmas) if i != k]

    def shift(i: int) -> int:
        return i - 1 if i > k else i
    zero = shift(sc.zero_at) if sc.zero_at is not None else None
    return Scenario(sc.vmas, sc.tree, shift(sc.first), shift(sc.last) if sc.last != k
                    else sc.last - 1, zero).with_vmas(spans)
