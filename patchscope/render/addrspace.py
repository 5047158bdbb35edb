"""Geometry of a counterexample's address-space picture (the template draws it as SVG).

Addresses of interest span from a page to 2^64, so a linear scale would squash
every VMA into one pixel.  The picture uses an ordinal scale instead: each
address that matters (VMA edges, argument values, freed tables' spans,
PMD/PUD boundaries around the VMAs) gets its own equally spaced tick, and the
caption says so.  Only numbers reach the template; every text is escaped there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from patchscope.render.counterexample import (
    Facts,
    Side,
    as_int,
    level_span,
    levels_present,
    means_top,
    table_sets,
)

WIDTH = 960
LEFT = 150  # room for the row labels
RIGHT = 30
ROW = 14
MAX_TICKS = 40


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float
    cls: str
    label: str
    title: str


@dataclass
class Rule:
    x: float
    y1: float
    y2: float
    cls: str


@dataclass
class Label:
    x: float
    y: float
    text: str
    cls: str
    anchor: str = "start"
    rotate: float = 0.0


@dataclass
class Drawing:
    width: int
    height: int
    boxes: list[Box] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    description: str = ""
    axis_y: float = 0.0
    axis_x0: float = LEFT
    axis_x1: float = WIDTH - RIGHT


@dataclass
class _Marker:
    value: int
    text: str
    cls: str


def _markers(f: Facts) -> list[_Marker]:
    top = f.arch.top
    out: list[_Marker] = []
    for name in dict.fromkeys([*f.old_args, *f.new_args]):
        old = as_int(f.old_args.get(name))
        new = as_int(f.new_args.get(name))
        if old is not None and old == 0 and means_top(name, f.roles):
            old = top
        if new is not None and new == 0 and means_top(name, f.roles):
            new = top
        role = f": {f.roles[name]}" if f.roles.get(name, name) != name else ""
        if old is not None and old == new:
            out.append(_Marker(old, f"{name}{role}", "marker-both"))
            continue
        if old is not None:
            out.append(_Marker(old, f"{name} (old){role}", "marker-old"))
        if new is not None:
            out.append(_Marker(new, f"{name} (new){role}", "marker-new"))
    return [m for m in out if 0 <= m.value <= top]


def _boundaries(f: Facts) -> dict[int, str]:
    marks: dict[int, str] = {}
    for size, name in ((f.arch.pud_size, "PUD"), (f.arch.pmd_size, "PMD")):
        for v in f.vmas:
            low = v.start - v.start % size
            high = v.end + (-v.end) % size
            for edge in (low, high):
                if 0 <= edge <= f.arch.top:
                    marks.setdefault(edge, name)
    return marks


def _fit(text: str, width: float) -> str:
    """*text* cut to what fits in *width* pixels (the full text stays in the tooltip)."""
    room = int((width - 6) / 6.5)
    if len(text) <= room:
        return text
    return text[: max(room - 1, 0)] + "\u2026" if room > 1 else ""


def _pgd_span(call: dict[str, int | None], top: int) -> tuple[int, int]:
    """[addr, end) of a free_pgd_range() call; an end of 0 is the top."""
    addr = call.get("addr") or 0
    end = call.get("end")
    return min(addr, top), top if not end else min(end, top)


def _side_rows(
    d: Drawing,
    f: Facts,
    name: str,
    side: Side,
    other_tables: set[tuple[str, int, int]],
    other: Side,
    xpos: dict[int, float],
    spans: dict[tuple[str, int, int], int],
    y: float,
) -> float:
    """One call's rows: the VMAs it unlinks, its free_pgd_range() spans, its freed tables."""
    d.labels.append(Label(8, y + ROW - 3, f"{name} call", "row-head"))
    d.labels.append(Label(LEFT - 8, y + ROW - 3, "unlinks", "row", "end"))
    by_label = {v.label: v for v in f.vmas}
    for label in side.unlinked:
        v = by_label.get(label)
        if v is None or v.start not in xpos or v.end not in xpos:
            continue
        only = label not in other.unlinked
        cls = f"unlink-{name}" + (" only" if only else "")
        title = f"{name} call unlinks {label}" + (f" (only the {name} call)" if only else "")
        x0 = xpos[v.start]
        d.boxes.append(Box(x0, y + 1, max(xpos[v.end] - x0, 2), ROW - 2, cls, "", title))
    y += ROW
    d.labels.append(Label(LEFT - 8, y + ROW - 3, "free_pgd_range", "row", "end"))
    for call in side.pgd_calls:
        lo, hi = _pgd_span(call, f.arch.top)
        only = call not in other.pgd_calls
        args = ", ".join(f"{k}={v:#x}" for k, v in call.items() if v is not None)
        title = f"{name}: free_pgd_range({args})" + (f" (only the {name} call)" if only else "")
        cls = f"pgd-{name}" + (" only" if only else "")
        d.boxes.append(Box(xpos[lo], y + 1, max(xpos[hi] - xpos[lo], 2), ROW - 2, cls, "", title))
    y += ROW
    for level in levels_present(side.freed) or ["pte"]:
        d.labels.append(Label(LEFT - 8, y + ROW - 3, f"frees {_fit(level.upper(), 40)}", "row",
                              "end"))
        for t in side.freed:
            if t.level != level:
                continue
            key = (t.level, t.base, t.count)
            x0, x1 = xpos[t.base], xpos[spans[key]]
            only = key not in other_tables
            cls = f"table-{name}" + (" only" if only else "")
            note = f" (only {name})" if only else ""
            what = "table" if t.count == 1 else f"tables x{t.count} from"
            title = f"{name}: {t.level.upper()} {what} @{t.base:#x}{note}"
            d.boxes.append(Box(x0, y + 1, max(x1 - x0, 2), ROW - 2, cls, "", title))
        y += ROW
    if not side.freed:
        d.labels.append(Label(LEFT + 4, y - 3, "(no page table freed)", "none"))
    if side.warn:
        d.labels.append(Label(WIDTH - RIGHT, y - 3, f"WARN fires ({name} call)", "warn", "end"))
    return y + 8


def draw(f: Facts) -> Drawing:
    """Lay out *f* on an ordinal address scale."""
    top = f.arch.top
    markers = _markers(f)
    boundaries = _boundaries(f)
    tables = f.old.freed + f.new.freed
    spans = {
        (t.level, t.base, t.count): min(t.base + t.count * level_span(f.arch, t.level), top)
        for t in tables
    }

    points: set[int] = set()
    for v in f.vmas:
        points.update((v.start, v.end))
    points.update(m.value for m in markers)
    for (_, base, _), end in spans.items():
        points.update((base, end))
    for call in f.old.pgd_calls + f.new.pgd_calls:
        points.update(_pgd_span(call, top))
    essential = len(points)
    for edge in sorted(boundaries, key=lambda e: min(abs(e - p) for p in points or {0})):
        if len(points) >= max(MAX_TICKS, essential):
            break
        points.add(edge)
    if not points:
        points = {0, top}
    ticks = sorted(points)
    step = (WIDTH - LEFT - RIGHT) / max(len(ticks) - 1, 1)
    xpos = {value: LEFT + i * step for i, value in enumerate(ticks)}

    d = Drawing(width=WIDTH, height=0)
    y = 8.0
    for m in markers:  # one line of label per marker, so labels never overlap
        y += 13
        x = xpos[m.value]
        if x > WIDTH - 160:  # near the right edge: write the label leftwards
            d.labels.append(Label(x - 3, y, m.text, m.cls, "end"))
        else:
            d.labels.append(Label(x + 3, y, m.text, m.cls))
    marker_top = y + 3
    y += 10

    d.labels.append(Label(LEFT - 8, y + 15, "VMAs", "row", "end"))
    for v in f.vmas:
        if v.start in xpos and v.end in xpos:
            x0, x1 = xpos[v.start], xpos[v.end]
            title = f"{v.label}: [{v.start:#x}, {v.end:#x})"
            width = max(x1 - x0, 2)
            d.boxes.append(Box(x0, y, width, 22, "vma", _fit(v.label, width), title))
    y += 32

    old_set, new_set = table_sets(f)
    for side_name, side, other, other_side in (
        ("old", f.old, new_set, f.new),
        ("new", f.new, old_set, f.old),
    ):
        y = _side_rows(d, f, side_name, side, other, other_side, xpos, spans, y)

    axis = y + 4
    for m in markers:
        d.rules.append(Rule(xpos[m.value], marker_top, axis, m.cls))
    for edge, name in boundaries.items():
        if edge in xpos:
            d.rules.append(Rule(xpos[edge], marker_top, axis, f"bound bound-{name.lower()}"))
            d.labels.append(Label(xpos[edge] + 2, axis - 3, name, "bound-label"))
    d.axis_y = axis
    for value in ticks:
        text = f"2^{f.arch.bits} (top)" if value == top else f"{value:#x}"
        d.labels.append(Label(xpos[value], axis + 14, text, "tick", "end", -35.0))
    d.height = int(axis + 85)
    d.description = (
        f"Address space on {f.arch.name}: {len(f.vmas)} VMA(s), "
        f"{len(f.old.freed)} table(s) freed by the old call, {len(f.new.freed)} by the new. "
        "Addresses are equally spaced ticks, not to scale."
    )
    return d
