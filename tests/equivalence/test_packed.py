"""Arguments packed into a struct (issue 11.2): what a caller stores in each
field, through initializers, initializer macros, init helpers and field
assignments, checked against the callee's substitution ``limit := desc->limit``."""

from __future__ import annotations

import pytest

from patchscope.arch import X86_64
from patchscope.equivalence.callsite import check_call
from patchscope.equivalence.catalogue import catalogue_of, known, shapes_in
from patchscope.equivalence.substitution import prove_body
from tests.equivalence.helpers import call, change

HEADER = """struct span_desc {
	struct vm_area_struct *vma;
	unsigned long start;
	unsigned long limit;	/* first address left alone */
};

#define SPAN_DESC(name, _vma, _start, _limit)	\\
	struct span_desc name = {			\\
		.vma = _vma,				\\
		.start = _start,			\\
		.limit = _limit,			\\
	}

static inline void span_desc_init(struct span_desc *desc, struct vm_area_struct *vma,
					unsigned long start)
{
	desc->vma = vma;
	desc->start = start;
}
"""

CATALOGUE = catalogue_of([(HEADER, "patch 3/4", "mm/span.h")])

SPAN = change("span_free", "struct vm_area_struct *vma, unsigned long start, unsigned long limit",
              "struct span_desc *desc",
              "{\n\tzap(vma, start, limit - 1);\n}",
              "{\n\tzap(desc->vma, desc->start, desc->limit - 1);\n}")
OLD_ARGS = ["vma", "vma->vm_start", "next ? next->vm_start : TOP"]
BEFORE = "{\n\tlock(mm);\n"


def _check(new_context: str, old_context: str = BEFORE, args: list[str] | None = None):  # type: ignore[no-untyped-def]
    proof = prove_body(SPAN, X86_64)
    assert proof.proved, proof.reason
    site = call("span_free", args or OLD_ARGS, ["&d"])
    site.old_context, site.new_context = old_context, new_context
    with known(CATALOGUE):
        return check_call(proof, SPAN, site, X86_64), site


def test_the_header_shapes_are_read() -> None:
    shapes = {(s.kind, s.name): s for s in shapes_in(HEADER, "this patch", "mm/span.h")}
    assert shapes[("struct", "span_desc")].params == ("vma", "start", "limit")
    assert shapes[("macro", "SPAN_DESC")].params == ("name", "_vma", "_start", "_limit")
    assert shapes[("helper", "span_desc_init")].params == ("desc", "vma", "start")


@pytest.mark.parametrize("build", [
    "\tSPAN_DESC(d, vma, vma->vm_start, next ? next->vm_start : TOP);\n",
    "\tstruct span_desc d = { vma, vma->vm_start, next ? next->vm_start : TOP };\n",
    "\tstruct span_desc d = { .vma = vma, .start = vma->vm_start };\n"
    "\td.limit = next ? next->vm_start : TOP;\n",
    "\tstruct span_desc d;\n\tspan_desc_init(&d, vma, vma->vm_start);\n"
    "\td.limit = next ? next->vm_start : TOP;\n",
])
def test_each_way_of_filling_the_struct_is_read(build: str) -> None:
    proof, site = _check(BEFORE + build)
    assert proof.proved, proof.reason
    steps = "\n".join(proof.steps)
    assert "d.limit := next ? next->vm_start : TOP" in steps
    assert site.support, "the statements the proof read are noted for the accounting"
    if "SPAN_DESC" in build:
        assert "SPAN_DESC() from patch 3/4" in steps
    if "span_desc_init" in build:
        assert "span_desc_init() from patch 3/4 (inlined)" in steps


@pytest.mark.parametrize("build, want", [
    # a field stored differently
    ("\tSPAN_DESC(d, vma, vma->vm_start, next ? next->vm_end : TOP);\n", "differs"),
    # the designated initializer leaves limit out: it is 0, not the old limit
    ("\tstruct span_desc d = { .vma = vma, .start = vma->vm_start };\n", "differs"),
    # no initializer and no store: the field is not known
    ("\tstruct span_desc d;\n\tspan_desc_init(&d, vma, vma->vm_start);\n", "unknown"),
    # the limit is stored, then the variable it read changes before the call
    ("\tSPAN_DESC(d, vma, vma->vm_start, next ? next->vm_start : TOP);\n\tnext = NULL;\n",
     "unknown"),
    # stored under a condition
    ("\tstruct span_desc d = { .vma = vma, .start = vma->vm_start };\n"
     "\tif (next)\n\t\td.limit = next->vm_start;\n", "unknown"),
    # a macro the catalogue does not know
    ("\tOTHER_DESC(d, vma, vma->vm_start, next ? next->vm_start : TOP);\n", "unknown"),
])
def test_what_the_caller_does_not_store_is_never_proved(build: str, want: str) -> None:
    proof, _ = _check(BEFORE + build)
    assert proof.status == want, proof.reason


def test_a_call_between_the_fill_and_the_call_is_an_assumption_by_name() -> None:
    """``lock(mm)`` runs on both sides between the fill and the call; the
    patch's own ``vms_gather(&d)`` (a changed function's call, checked as its
    own call site) gets the struct: neither is seen into."""
    fill = "{\n\tSPAN_DESC(d, vma, vma->vm_start, next ? next->vm_start : TOP);\n\n"
    proof = prove_body(SPAN, X86_64)
    site = call("span_free", OLD_ARGS, ["&d"])
    site.old_context, site.new_context = BEFORE, fill + "\tlock(mm);\n\tvms_gather(&d);\n"
    with known(CATALOGUE):
        checked = check_call(proof, SPAN, site, X86_64, changed=frozenset({"vms_gather"}))
    assert checked.proved, checked.reason
    steps = "\n".join(checked.steps)
    assert "assumes vms_gather() does not write d.vma, d.start, d.limit" in steps
    assert "assumes lock() does not write next->vm_start" in steps
    assert any(s.note and "vms_gather()" in s.note for s in site.support)
    # the struct's address kept anywhere else: not read
    site.new_context = fill + "\tlock(mm);\n\tsaved = &d;\n"
    with known(CATALOGUE):
        assert not check_call(proof, SPAN, site, X86_64).proved


def test_a_helper_that_does_more_than_store_is_not_inlined() -> None:
    header = HEADER.replace("\tdesc->start = start;\n",
                            "\tdesc->start = start;\n\tif (!start)\n\t\tdesc->limit = 0;\n")
    catalogue = catalogue_of([(header, "this patch", "mm/span.h")])
    proof = prove_body(SPAN, X86_64)
    site = call("span_free", OLD_ARGS, ["&d"])
    site.old_context = BEFORE
    site.new_context = (BEFORE + "\tstruct span_desc d;\n\tspan_desc_init(&d, vma, "
                        "vma->vm_start);\n\td.limit = next ? next->vm_start : TOP;\n")
    with known(catalogue):
        assert not check_call(proof, SPAN, site, X86_64).proved


def test_two_different_definitions_of_a_macro_leave_it_unknown() -> None:
    other = HEADER.replace(".limit = _limit", ".limit = _limit + 1")
    catalogue = catalogue_of([(HEADER + "\n" + other, "this patch", "mm/span.h")])
    assert catalogue.find("macro", "SPAN_DESC") is None
    assert catalogue.find("struct", "span_desc") is not None
