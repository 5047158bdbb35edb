"""Hand-built signature changes and call sites shaped like the seed patch."""

from __future__ import annotations

from patchscope.core import Argument, CallSite, Declaration, Param, SignatureChange

OLD_PARAMS = [("struct mmu_gather *", "tlb"), ("struct ma_state *", "mas"),
              ("struct vm_area_struct *", "vma"), ("unsigned long", "floor"),
              ("unsigned long", "ceiling"), ("bool", "mm_wr_locked")]


def body(limit: str, floor: str = "floor", ceiling: str = "ceiling", *, gather: str | None = None,
         warn: str | None = None, pgd_call: bool = True) -> str:
    """A free_pgtables()-like body (our own text) with the given uses."""
    lines = ["{", "\tstruct unlink_vma_file_batch vb;", ""]
    if warn:
        lines.append(f"\tWARN_ON_ONCE({warn});")
    lines += [
        "\tdo {",
        "\t\tunsigned long addr = vma->vm_start;",
        "\t\tstruct vm_area_struct *next;",
        f"\t\tnext = mas_find(mas, {limit});",
        "\t\tif (unlikely(xa_is_zero(next)))",
        "\t\t\tnext = NULL;",
        "\t\tunlink_anon_vmas(vma);",
        "\t\twhile (next && next->vm_start <= vma->vm_end + PMD_SIZE) {",
        "\t\t\tvma = next;",
        f"\t\t\tnext = mas_find(mas, {gather or limit});",
        "\t\t\tif (unlikely(xa_is_zero(next)))",
        "\t\t\t\tnext = NULL;",
        "\t\t}",
    ]
    if pgd_call:
        lines += ["\t\tfree_pgd_range(tlb, addr, vma->vm_end,",
                  f"\t\t\t{floor}, next ? next->vm_start : {ceiling});"]
    lines += ["\t\tvma = next;", "\t} while (vma);", "}"]
    return "\n".join(lines)


def change(new_names: tuple[str, str, str] = ("floor", "ceiling", "tree_max"), *,
           new_body: str | None = None, old_body: str | None = None,
           complete: bool = True) -> SignatureChange:
    f, c, t = new_names
    old = [Param(ty, n) for ty, n in OLD_PARAMS]
    new = [Param(ty, n) for ty, n in OLD_PARAMS[:3]] + [
        Param("unsigned long", f), Param("unsigned long", c), Param("unsigned long", t),
        Param("bool", "mm_wr_locked")]
    if new_body is None:
        new_body = body(f"{t} - 1", f, c, warn=f"{t} - 1 > {c} - 1")
    if old_body is None:
        old_body = body("ceiling - 1")
    decl = Declaration("mm/memory.c", 372, "definition", old, new, old_body, new_body, complete)
    renamed = []
    from patchscope.core import Renamed
    for o, n in (("floor", f), ("ceiling", c)):
        if o != n:
            renamed.append(Renamed(o, n))
    return SignatureChange("free_pgtables", "mm/memory.c", 372, old, new, added=[t],
                           renamed=renamed, declarations=[decl])


def call(caller: str, old: list[str], new: list[str], context: str,
         new_names: tuple[str, str, str] = ("floor", "ceiling", "tree_max")) -> CallSite:
    names_old = [n for _, n in OLD_PARAMS]
    f, c, t = new_names
    names_new = ["tlb", "mas", "vma", f, c, t, "mm_wr_locked"]
    # Argument.param names the new parameter (old names for the old call, as csource does)
    old_params = [{"floor": f, "ceiling": c}.get(n, n) for n in names_old]
    return CallSite(
        "free_pgtables", caller, "mm/x.c", 10, 10,
        [Argument(a, param=p) for a, p in zip(old, old_params, strict=True)],
        [Argument(a, param=p) for a, p in zip(new, names_new, strict=True)],
        old_context=context, new_context=context)


def exit_mmap(limit: str = "USER_PGTABLES_CEILING") -> CallSite:
    return call("exit_mmap",
                ["&tlb", "&vmi.mas", "vma", "FIRST_USER_ADDRESS", "USER_PGTABLES_CEILING", "true"],
                ["&tlb", "&vmi.mas", "vma", "FIRST_USER_ADDRESS", "USER_PGTABLES_CEILING",
                 limit, "true"],
                "\tvma_iter_set(&vmi, vma->vm_end);\n\t")


def unmap_region(limit: str = "next ? next->vm_start : USER_PGTABLES_CEILING") -> CallSite:
    floor = "prev ? prev->vm_end : FIRST_USER_ADDRESS"
    ceiling = "next ? next->vm_start : USER_PGTABLES_CEILING"
    return call("unmap_region", ["&tlb", "mas", "vma", floor, ceiling, "true"],
                ["&tlb", "mas", "vma", floor, ceiling, limit, "true"],
                "\tmas_set(mas, vma->vm_start);\n\tunmap_vmas(&tlb, mas, vma);\n"
                "\tmas_set(mas, vma->vm_end);\n\t")


def vms_clear_ptes(limit: str = "vms->unmap_end") -> CallSite:
    return call("vms_clear_ptes",
                ["&tlb", "mas_detach", "vms->vma", "vms->unmap_start", "vms->unmap_end",
                 "mm_wr_locked"],
                ["&tlb", "mas_detach", "vms->vma", "vms->unmap_start", "vms->unmap_end", limit,
                 "mm_wr_locked"],
                "\tmas_set(mas_detach, 1);\n\t/* start and end may differ */\n\t")
