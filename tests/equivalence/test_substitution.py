"""The substitution proof on small bodies written for the shapes it covers."""

from __future__ import annotations

from patchscope.arch import X86_64
from patchscope.cexpr.expr_ast import to_c
from patchscope.equivalence.callsite import check_call, reachable_assertions
from patchscope.equivalence.substitution import prove_body
from tests.equivalence.helpers import call, change

SEED_OLD = """{
	struct unlink_vma_file_batch vb;

	tlb_free_vmas(tlb);
	do {
		next = mas_find(mas, ceiling - 1);
		if (unlikely(xa_is_zero(next)))
			next = NULL;
		while (next && next->vm_start <= vma->vm_end + PMD_SIZE) {
			vma = next;
			next = mas_find(mas, ceiling - 1);
		}
		free_pgd_range(tlb, addr, vma->vm_end, floor, next ? next->vm_start : ceiling);
		vma = next;
	} while (vma);
}"""

SEED_NEW = SEED_OLD.replace("mas_find(mas, ceiling - 1)", "mas_find(mas, tree_max - 1)").replace(
    "\ttlb_free_vmas(tlb);",
    "\t/* underflow can happen and is fine */\n"
    "\tWARN_ON_ONCE(tree_max - 1 > ceiling - 1);\n\n\ttlb_free_vmas(tlb);",
)
OLD_PARAMS = "struct mmu_gather *tlb, struct ma_state *mas, struct vm_area_struct *vma, " \
    "unsigned long floor, unsigned long ceiling, bool mm_wr_locked"
NEW_PARAMS = OLD_PARAMS.replace("unsigned long ceiling,", "unsigned long ceiling, "
                                "unsigned long tree_max,")


def seed_change(new_body: str = SEED_NEW):
    return change("free_pgtables", OLD_PARAMS, NEW_PARAMS, SEED_OLD, new_body)


def test_seed_body_is_the_old_one_under_tree_max_is_ceiling() -> None:
    proof = prove_body(seed_change(), X86_64)
    assert proof.proved, proof.reason
    assert proof.substitution_text() == "tree_max := ceiling"
    assert "added WARN_ON_ONCE(tree_max - 1 > ceiling - 1) is false for every value (z3)" \
        in proof.method()
    assert any("ceiling - 1 > ceiling - 1" in s for s in proof.steps)
    assert not proof.hunks_only


def test_seed_calls() -> None:
    c = seed_change()
    proof = prove_body(c, X86_64)
    args = ["&tlb", "mas", "vma", "prev ? prev->vm_end : FIRST_USER_ADDRESS"]
    ceiling = "next ? next->vm_start : USER_PGTABLES_CEILING"
    ok = check_call(proof, c, call("free_pgtables", args + [ceiling, "true"],
                                   args + [ceiling, "(next) ? next->vm_start /* x */ : "
                                           "USER_PGTABLES_CEILING", "true"]), X86_64)
    assert ok.proved and "(token identity)" in ok.method
    bad = check_call(proof, c, call("free_pgtables", args + [ceiling, "true"],
                                    args + [ceiling, "USER_PGTABLES_CEILING", "true"]), X86_64)
    assert bad.status == "differs" and bad.counter_model
    reach, _ = reachable_assertions(proof, c, call("free_pgtables", args + [ceiling, "true"],
                                    args + [ceiling, "USER_PGTABLES_CEILING", "true"]), X86_64)
    assert reach and "WARN_ON_ONCE" in reach[0].assertion


def test_off_by_one_bound_in_the_callee_is_not_proved() -> None:
    mutant = SEED_NEW.replace("\t\t\tnext = mas_find(mas, tree_max - 1);",
                              "\t\t\tnext = mas_find(mas, tree_max);")
    assert mutant != SEED_NEW
    proof = prove_body(seed_change(mutant), X86_64)
    assert proof.status == "differs"
    both = SEED_NEW.replace("mas_find(mas, tree_max - 1)", "mas_find(mas, tree_max)")
    proof = prove_body(seed_change(both), X86_64)
    # tree_max := ceiling - 1 explains the bounds, but then the WARN can fire
    assert proof.status == "differs" and "can fire" in proof.reason


def test_a_warn_that_can_fire_under_the_substitution_is_not_ignored() -> None:
    body = SEED_NEW.replace("WARN_ON_ONCE(tree_max - 1 > ceiling - 1)",
                            "WARN_ON_ONCE(tree_max - 1 >= ceiling - 1)")
    proof = prove_body(seed_change(body), X86_64)
    assert proof.status == "differs" and "can fire" in proof.reason


def test_rename() -> None:
    c = change("f", "unsigned long a, unsigned long b", "unsigned long x, unsigned long b",
               "{\n\treturn a + b * a;\n}", "{\n\treturn x + b * x; /* renamed */\n}")
    proof = prove_body(c, X86_64)
    assert proof.proved and proof.substitution_text() == "x := a"
    assert check_call(proof, c, call("f", ["p->q", "3"], ["p->q", "3"]), X86_64).proved
    assert not check_call(proof, c, call("f", ["p->q", "3"], ["p->r", "3"]), X86_64).proved


def test_expression_replaced_by_a_new_parameter_and_the_chain_through_a_caller() -> None:
    c = change("g", "struct part *p, unsigned long b",
               "struct part *p, unsigned long b, unsigned long lim",
               "{\n\tif (b > (p ? p->end : TOP) - 1)\n\t\treturn 0;\n"
               "\treturn (p ? p->end : TOP) - b;\n}",
               "{\n\tif (b > lim - 1)\n\t\treturn 0;\n\treturn lim - b;\n}")
    proof = prove_body(c, X86_64)
    assert proof.proved, proof.reason
    assert to_c(proof.sigma["lim"]) == "p ? p->end : TOP"  # type: ignore[arg-type]
    ok = check_call(proof, c, call("g", ["q->p", "q->b"],
                                   ["q->p", "q->b", "q->p ? q->p->end : TOP"]), X86_64)
    assert ok.proved
    # same value, different text: z3 proves it
    z3ok = check_call(proof, c, call("g", ["q->p", "q->b"],
                                     ["q->p", "q->b", "!q->p ? TOP : q->p->end + 0"]), X86_64)
    assert z3ok.proved and "(z3)" in z3ok.method
    other = check_call(proof, c, call("g", ["q->p", "q->b"],
                                      ["q->p", "q->b", "q->p ? q->p->start : TOP"]), X86_64)
    assert other.status == "differs"
    assert other.counter_model and other.counter_model["q->p"] != 0


def test_new_parameter_in_some_uses_only() -> None:
    c = change("h", "unsigned long c", "unsigned long c, unsigned long m",
               "{\n\tuse(c - 1);\n\tuse(c - 1);\n\tkeep(c);\n}",
               "{\n\tuse(m - 1);\n\tuse(c - 1);\n\tkeep(c);\n}")
    proof = prove_body(c, X86_64)
    assert proof.proved and proof.substitution_text() == "m := c"


def test_removed_parameter_never_read_and_its_dropped_argument() -> None:
    c = change("k", "unsigned long a, int unused", "unsigned long a",
               "{\n\treturn a;\n}", "{\n\treturn a;\n}")
    proof = prove_body(c, X86_64)
    assert proof.proved
    assert check_call(proof, c, call("k", ["x", "3"], ["x"]), X86_64).proved
    side = check_call(proof, c, call("k", ["x", "next_id()"], ["x"]), X86_64)
    assert side.status == "unknown" and "side effects" in side.reason


def test_parameter_derived_from_a_new_one() -> None:
    c = change("m", "struct mm_struct *mm, unsigned long a",
               "struct vm_area_struct *vma, unsigned long a",
               "{\n\tflush(mm, a);\n}", "{\n\tflush(vma->vm_mm, a);\n}")
    proof = prove_body(c, X86_64)
    assert proof.proved and "old mm := vma->vm_mm" in proof.substitution_text()
    assert check_call(proof, c, call("m", ["v->vm_mm", "1"], ["v", "1"]), X86_64).proved
    assert not check_call(proof, c, call("m", ["other_mm", "1"], ["v", "1"]), X86_64).proved


def test_a_parameter_written_before_use_blocks_the_substitution() -> None:
    c = change("w", "unsigned long c", "unsigned long c, unsigned long m",
               "{\n\tc += 1;\n\tuse(c - 1);\n}", "{\n\tc += 1;\n\tuse(m - 1);\n}")
    proof = prove_body(c, X86_64)
    assert proof.status == "differs" and "writes c" in proof.reason


def test_statements_that_differ_are_not_explained_away() -> None:
    c = change("s", "unsigned long c", "unsigned long c, unsigned long m",
               "{\n\tuse(c);\n}", "{\n\tuse(c);\n\tcount++;\n}")
    assert prove_body(c, X86_64).status == "differs"


def test_hunks_only_bodies_say_so() -> None:
    c = change("h", "unsigned long c", "unsigned long c, unsigned long m",
               "\tuse(c - 1);\n", "\tuse(m - 1);\n", complete=False)
    proof = prove_body(c, X86_64)
    assert proof.proved and proof.hunks_only and proof.method().endswith("hunks only")


def test_removed_assertion_must_never_fire() -> None:
    c = change("r", "unsigned long c", "unsigned long c, unsigned long m",
               "{\n\tWARN_ON(c - 1 > c - 1);\n\tVM_BUG_ON(c > 5);\n\tuse(c - 1);\n}",
               "{\n\tuse(m - 1);\n}")
    proof = prove_body(c, X86_64)
    assert proof.status == "differs" and "VM_BUG_ON(c > 5) can fire" in proof.reason


def test_incomplete_and_misaligned_calls_are_unknown() -> None:
    c = change("h", "unsigned long c", "unsigned long c, unsigned long m",
               "{\n\tuse(c - 1);\n}", "{\n\tuse(m - 1);\n}")
    proof = prove_body(c, X86_64)
    r = check_call(proof, c, call("h", ["a"], ["a"]), X86_64)
    assert r.status == "unknown" and "line up" in r.reason


def test_a_comment_cut_by_the_hunk_edge_is_not_code() -> None:
    gap = "\t/* patchscope: lines {} are not in the patch */\n"
    old = ("{\n\tuse(c - 1);\n" + gap.format("5-9")
           + "\t\t * don't (read this as code\n\t\t */\n\tuse(c - 1);\n}")
    new = ("{\n\tuse(m - 1);\n" + gap.format("5-12")
           + "\t\t * the limit: m, don't (read this as code\n\t\t */\n\tuse(m - 1);\n}")
    c = change("h", "unsigned long c", "unsigned long c, unsigned long m", old, new,
               complete=False)
    proof = prove_body(c, X86_64)
    assert proof.proved, proof.reason
    assert proof.substitution_text() == "m := c"


def test_an_argument_with_a_call_evaluated_twice_is_not_proved() -> None:
    c = change("h", "unsigned long c", "unsigned long c, unsigned long m",
               "{\n\tuse(c - 1);\n}", "{\n\tuse(m - 1);\n}")
    proof = prove_body(c, X86_64)
    r = check_call(proof, c, call("h", ["next_addr()"], ["next_addr()", "next_addr()"]), X86_64)
    assert r.status == "unknown" and "twice" in r.reason
    assert check_call(proof, c, call("h", ["max(a, b)"], ["max(a, b)", "max(a, b)"]),
                      X86_64).proved


def test_a_parameter_standing_for_a_local_is_not_a_substitution() -> None:
    c = change("h", "unsigned long c", "unsigned long c, unsigned long m",
               "{\n\tunsigned long x = c * 2;\n\tuse(x);\n}",
               "{\n\tunsigned long x = c * 2;\n\tuse(m);\n}")
    proof = prove_body(c, X86_64)
    assert not proof.proved and "reads x" in proof.reason
    # a caller that happens to own an `x` must not be proved
    assert check_call(proof, c, call("h", ["y"], ["y", "x"]), X86_64).status != "proved"


def test_statement_conditions_do_not_join_the_expression() -> None:
    c = change("h", "unsigned long c", "unsigned long c, unsigned long m",
               "{\n\tif (ready)\n\t\tlimit = c - 1;\n}",
               "{\n\tif (ready)\n\t\tlimit = m - 1;\n}")
    proof = prove_body(c, X86_64)
    assert proof.proved and proof.substitution_text() == "m := c"


def _ctx_call(old_ctx: str, new_ctx: str, old_args: list[str], new_args: list[str]):
    site = call("pack", old_args, new_args)
    site.old_context, site.new_context = old_ctx, new_ctx
    return site


PACK = change("pack", "struct mm_struct *mm, unsigned long start, unsigned long end",
              "struct range_ctx *ctx",
              "{\n\tzap(mm, start, end - 1);\n}",
              "{\n\tzap(ctx->mm, ctx->start, ctx->end - 1);\n}")


def test_parameters_packed_into_a_struct_the_caller_builds() -> None:
    proof = prove_body(PACK, X86_64)
    assert proof.proved, proof.reason
    assert proof.substitution_text() == (
        "old mm := ctx->mm, old start := ctx->start, old end := ctx->end"
    )
    before = "{\n\tunsigned long s = vma->vm_start;\n\n"
    after = before + ("\tstruct range_ctx rc = {\n\t\t.mm = vma->vm_mm,\n\t\t.start = s,\n"
                      "\t\t.end = vma->vm_end,\n\t};\n\n")
    ok = check_call(proof, PACK, _ctx_call(before, after, ["vma->vm_mm", "s", "vma->vm_end"],
                                           ["&rc"]), X86_64)
    assert ok.proved, ok.reason
    assert any("own new definitions" in s for s in ok.steps)
    wrong = after.replace(".end = vma->vm_end", ".end = vma->vm_end + 1")
    bad = check_call(proof, PACK, _ctx_call(before, wrong, ["vma->vm_mm", "s", "vma->vm_end"],
                                            ["&rc"]), X86_64)
    assert bad.status == "differs"
    # a field the initializer leaves out is 0 in C
    partial = after.replace("\t\t.start = s,\n", "")
    zero = check_call(proof, PACK, _ctx_call(before, partial, ["vma->vm_mm", "0",
                                                               "vma->vm_end"], ["&rc"]), X86_64)
    assert zero.proved, zero.reason


def test_a_definition_under_a_condition_or_changed_later_does_not_count() -> None:
    proof = prove_body(PACK, X86_64)
    before = "{\n"
    init = "\tstruct range_ctx rc = { .mm = m, .start = s, .end = e };\n"
    for after in (before + "\tif (x)\n" + init,
                  before + init + "\trc.end++;\n",
                  before + init + "\ts = 5;\n",
                  before + "\tif (x) {\n" + init + "\t}\n"):
        r = check_call(proof, PACK, _ctx_call(before, after, ["m", "s", "e"], ["&rc"]), X86_64)
        assert not r.proved, after


def test_type_changes_are_not_waved_through() -> None:
    kept = change("t", "int x", "unsigned long x", "{\n\tuse(x < 0);\n}", "{\n\tuse(x < 0);\n}")
    proof = prove_body(kept, X86_64)
    assert proof.status == "unknown" and "type of x changed" in proof.reason
    narrow = change("t", "unsigned long c", "unsigned long c, unsigned int m",
                    "{\n\tuse(c - 1);\n}", "{\n\tuse(m - 1);\n}")
    proof = prove_body(narrow, X86_64)
    assert proof.status == "unknown" and "unsigned int" in proof.reason
    # the same spelling in other words is the same type
    same = change("t", "unsigned long c", "const unsigned long c, size_t m",
                  "{\n\tuse(c - 1);\n}", "{\n\tuse(m - 1);\n}")
    assert prove_body(same, X86_64).proved


def test_a_new_parameter_passed_down_a_chain_of_calls() -> None:
    g = change("g", "struct part *p, unsigned long b",
               "struct part *p, unsigned long b, unsigned long lim",
               "{\n\treturn (p ? p->end : TOP) - b;\n}", "{\n\treturn lim - b;\n}")
    f = change("f", "struct query *q", "struct query *q, unsigned long lim",
               "{\n\tif (!q->len)\n\t\treturn 0;\n\treturn g(q->p, q->base) + 1;\n}",
               "{\n\tif (!q->len)\n\t\treturn 0;\n\treturn g(q->p, q->base, lim) + 1;\n}")
    gp = prove_body(g, X86_64)
    assert gp.proved
    assert not prove_body(f, X86_64).proved  # alone, f's call of g does not match
    fp = prove_body(f, X86_64, {"g": gp.callee_substitution()})
    assert fp.proved, fp.reason
    assert fp.substitution_text() == "lim := q->p ? q->p->end : TOP"
    # the call of g inside f, with f's own substitution
    inner = call("g", ["q->p", "q->base"], ["q->p", "q->base", "lim"], caller="f")
    assert check_call(gp, g, inner, X86_64, caller=fp).proved
    assert not check_call(gp, g, inner, X86_64).proved
    # f's caller passes the expression in its own terms
    outer = call("f", ["&qq"], ["&qq", "(&qq)->p ? qq.p->end : TOP"])
    assert check_call(fp, f, outer, X86_64).proved
    wrong = call("f", ["&qq"], ["&qq", "qq.p ? qq.p->start : TOP"])
    assert not check_call(fp, f, wrong, X86_64).proved


def test_reordered_and_constified_parameters() -> None:
    c = change("r", "struct foo *p, unsigned long a, unsigned long b",
               "unsigned long b, const struct foo *p, unsigned long a",
               "{\n\treturn p->x + a - b;\n}", "{\n\treturn p->x + a - b;\n}")
    proof = prove_body(c, X86_64)
    assert proof.proved and proof.substitution_text() == "identity"
    ok = check_call(proof, c, call("r", ["f", "1", "n + 1"], ["(n + 1)", "f", "1"]), X86_64)
    assert ok.proved, ok.reason
    swapped = check_call(proof, c, call("r", ["f", "1", "n"], ["1", "f", "n"]), X86_64)
    assert swapped.status == "differs"


def test_a_new_flag_every_caller_passes_as_false() -> None:
    c = change("z", "struct page *pg", "struct page *pg, bool force",
               "{\n\tprep(pg);\n\tfree_one(pg);\n}",
               "{\n\tprep(pg);\n\tif (force) {\n\t\tflush_all();\n\t\tcount++;\n\t}\n"
               "\tfree_one(pg);\n}")
    proof = prove_body(c, X86_64)
    assert proof.proved, proof.reason
    assert "provided the added `if (force)" in proof.method()
    assert check_call(proof, c, call("z", ["p"], ["p", "false"]), X86_64).proved
    assert check_call(proof, c, call("z", ["p"], ["p", "0"]), X86_64).proved
    on = check_call(proof, c, call("z", ["p"], ["p", "true"]), X86_64)
    assert on.status == "unknown" and "runs for this call" in on.reason
    maybe = check_call(proof, c, call("z", ["p"], ["p", "x > 2"]), X86_64)
    assert not maybe.proved


def test_an_if_whose_body_changed_under_the_substitution_is_still_unified() -> None:
    c = change("h", "unsigned long c", "unsigned long c, unsigned long m",
               "{\n\tif (ready)\n\t\tuse(c - 1);\n}", "{\n\tif (ready)\n\t\tuse(m - 1);\n}")
    proof = prove_body(c, X86_64)
    assert proof.proved and not proof.provisos


def test_a_caller_changed_before_the_call_is_not_proved() -> None:
    c = change("h", "unsigned long c", "unsigned long c, unsigned long m",
               "{\n\tuse(c - 1);\n}", "{\n\tuse(m - 1);\n}")
    proof = prove_body(c, X86_64)
    site = call("h", ["x"], ["x", "x"])
    site.old_context = "{\n\tx = start;\n\t"
    site.new_context = "{\n\tx = start;\n\tx += 4096;\n\t"
    r = check_call(proof, c, site, X86_64)
    assert r.status == "unknown" and "before this call" in r.reason
    # an earlier call of the changed function itself may differ: it is its own call site
    site.new_context = "{\n\tx = start;\n\th(x, x);\n\t"
    site.old_context = "{\n\tx = start;\n\th(x);\n\t"
    assert check_call(proof, c, site, X86_64, changed=frozenset({"h"})).proved
    # a fresh definition with a call in it may have effects
    site.old_context = "{\n\t"
    site.new_context = "{\n\tunsigned long y = next_id();\n\t"
    assert not check_call(proof, c, site, X86_64).proved

