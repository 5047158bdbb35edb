"""Signature changes other than an added parameter, across a series."""

from __future__ import annotations

from pathlib import Path

import pytest

from patchscope.core import AnalysisMode, Renamed, Series, Severity
from tests.csource.kernel_tree import analyse
from tests.csource.synth import make_series

HEADER = "int scale(int value, int factor, int unused);\n"
CALC = """#include "calc.h"

int scale(int value, int factor, int unused)
{
\treturn value * factor;
}

int use_one(int x)
{
\treturn scale(x, 2, 0);
}
"""
OTHER = """#include "calc.h"

/* the other caller */
int use_two(int y)
{
\tint z = y + 1;

\treturn scale(y /* the input */, 3,
\t\t     1);
}
"""


def scale_series(tmp: Path) -> tuple[Path, Path]:
    """Patch 1 renames value -> v and drops unused, updating one caller;
    patch 2 updates the other caller."""
    return make_series(
        tmp,
        {"lib/calc.h": HEADER, "lib/calc.c": CALC, "lib/other.c": OTHER},
        [
            (
                "lib: Drop the unused argument of scale()",
                {
                    "lib/calc.h": "int scale(int v, int factor);\n",
                    "lib/calc.c": CALC.replace(
                        "int value, int factor, int unused", "int v, int factor"
                    )
                    .replace("return value * factor", "return v * factor")
                    .replace("scale(x, 2, 0)", "scale(x, 2)"),
                },
            ),
            (
                "lib/other: Update the call of scale()",
                {"lib/other.c": OTHER.replace(", 3,\n\t\t     1);", ", 3);")},
            ),
        ],
    )


@pytest.fixture(params=["mbox", "tree"])
def scale(request: pytest.FixtureRequest, tmp_path: Path) -> Series:
    repo, patches = scale_series(tmp_path)
    return analyse(patches, repo if request.param == "tree" else None)


def test_rename_in_place_and_removal(scale: Series) -> None:
    first = scale.patches[0]
    (change,) = first.signature_changes
    assert change.function == "scale" and change.file == "lib/calc.c"
    assert change.renamed == [Renamed("value", "v")]
    assert change.removed == ["unused"] and change.added == [] and change.moved == []
    assert {(d.file, d.kind) for d in change.declarations} == {
        ("lib/calc.h", "prototype"),
        ("lib/calc.c", "definition"),
    }
    main = next(d for d in change.declarations if d.kind == "definition")
    assert main.body_complete  # the whole body is in the hunk (or the tree)
    assert main.old_body == "{\n\treturn value * factor;\n}"
    assert main.new_body == "{\n\treturn v * factor;\n}"


def test_old_arguments_follow_the_rename(scale: Series) -> None:
    (site,) = scale.patches[0].call_sites
    assert site.caller == "use_one"
    assert [(a.text, a.param) for a in site.old_args or []] == [
        ("x", "v"),
        ("2", "factor"),
        ("0", "unused"),
    ]
    assert [(a.text, a.param) for a in site.new_args or []] == [("x", "v"), ("2", "factor")]


def test_later_patch_updating_a_caller_is_a_call_site(scale: Series) -> None:
    second = scale.patches[1]
    assert second.signature_changes == []
    (site,) = second.call_sites
    assert (site.caller, site.file, site.line) == ("use_two", "lib/other.c", 8)
    assert [a.text for a in site.old_args or []] == ["y /* the input */", "3", "1"]
    assert [a.param for a in site.old_args or []] == ["v", "factor", "unused"]
    assert [(a.text, a.param) for a in site.new_args or []] == [
        ("y /* the input */", "v"),
        ("3", "factor"),
    ]


def test_whole_tree_sees_the_caller_left_behind_by_patch_one(tmp_path: Path) -> None:
    repo, patches = scale_series(tmp_path)
    series = analyse(patches, repo)
    first, second = series.patches
    assert first.mode is AnalysisMode.TREE_WHOLE
    stale = [f for f in first.findings if f.check == "caller-not-updated"]
    assert [(f.file, f.line, f.severity) for f in stale] == [("lib/other.c", 8, Severity.ERROR)]
    assert not [f for f in second.findings if f.check == "caller-not-updated"]


def test_call_running_past_the_window_is_incomplete(tmp_path: Path) -> None:
    long_call = (
        "\tscale(x,\n" + "".join(f"\t      /* step {i} */\n" for i in range(6)) + "\t      2, 0);\n"
    )
    base = CALC.replace("\treturn scale(x, 2, 0);\n", long_call + "\treturn 0;\n")
    new = base.replace("int value, int factor, int unused", "int value, int factor, int spare")
    new = new.replace("\tscale(x,\n", "\tscale(x + 0,\n")
    repo, patches = make_series(
        tmp_path, {"lib/calc.h": HEADER, "lib/calc.c": base}, [("lib: rename", {"lib/calc.c": new})]
    )
    series = analyse(patches)  # mbox: the hunk shows three lines after the change
    (patch,) = series.patches
    (change,) = patch.signature_changes
    assert change.renamed == [Renamed("unused", "spare")]
    (site,) = patch.call_sites
    assert not site.complete and site.incomplete_reason
    assert [f.check for f in patch.findings if f.check == "call-incomplete"] == ["call-incomplete"]
    assert not [f for f in patch.findings if f.severity is Severity.ERROR]
    # the tree sees the whole call
    tree_site = analyse(patches, repo).patches[0].call_sites[0]
    assert tree_site.complete and len(tree_site.new_args or []) == 3


def test_stale_prototype_and_same_named_static_function(tmp_path: Path) -> None:
    private = (
        "static int scale(int a)\n{\n\treturn a;\n}\n\n"
        "int use_three(void)\n{\n\treturn scale(1);\n}\n"
    )
    repo, patches = make_series(
        tmp_path,
        {"lib/calc.h": HEADER, "lib/calc.c": CALC, "lib/private.c": private},
        [
            (
                "lib: Drop the unused argument of scale(), header forgotten",
                {
                    "lib/calc.c": CALC.replace("int factor, int unused", "int factor").replace(
                        "scale(x, 2, 0)", "scale(x, 2)"
                    )
                },
            )
        ],
    )
    (patch,) = analyse(patches, repo).patches
    assert patch.signature_changes[0].removed == ["unused"]
    errors = [(f.check, f.file, f.line) for f in patch.findings if f.severity is Severity.ERROR]
    # lib/private.c calls its own static scale(): not a caller of the changed one
    assert errors == [("declaration-not-updated", "lib/calc.h", 1)]


def test_hunk_starting_inside_a_call_is_not_passed_over(tmp_path: Path) -> None:
    lines = "".join(f"\t\t     {i},\n" for i in range(8))
    other = OTHER.replace(
        "\treturn scale(y /* the input */, 3,\n\t\t     1);",
        "\treturn scale(y,\n" + lines + "\t\t     1);",
    )
    repo, patches = make_series(
        tmp_path,
        {"lib/calc.h": HEADER, "lib/calc.c": CALC, "lib/other.c": other},
        [
            (
                "lib: scale() loses its last argument",
                {
                    "lib/calc.h": "int scale(int value, int factor);\n",
                    "lib/calc.c": CALC.replace(", int unused", "").replace("2, 0)", "2)"),
                    "lib/other.c": other.replace("\t\t     7,\n\t\t     1);", "\t\t     7);"),
                },
            )
        ],
    )
    (patch,) = analyse(patches).patches
    assert {c.caller for c in patch.call_sites} == {"use_one"}  # use_two's call is cut
    cut = [f for f in patch.findings if f.check == "hunk-starts-inside-call"]
    assert [(f.file, f.severity) for f in cut] == [("lib/other.c", Severity.WARNING)]
    (tree_patch,) = analyse(patches, repo).patches
    assert {c.caller for c in tree_patch.call_sites} == {"use_one", "use_two"}


def test_pairing_keeps_an_added_call_apart(tmp_path: Path) -> None:
    """A call the patch adds before two it updates must not steal their pairs."""
    base = CALC.replace(
        "\treturn scale(x, 2, 0);\n", "\tx = scale(x, 5, 0);\n\treturn scale(x, 2, 0);\n"
    )
    new = (
        base.replace(", int unused", "")
        .replace("\tx = scale(x, 5, 0);\n", "\tx = scale(x, 1);\n\tx = scale(x, 5);\n")
        .replace("scale(x, 2, 0)", "scale(x, 2)")
    )
    repo, patches = make_series(
        tmp_path, {"lib/calc.c": base}, [("lib: drop unused", {"lib/calc.c": new})]
    )
    for tree in (None, repo):
        (patch,) = analyse(patches, tree).patches
        pairs = [
            (
                [a.text for a in c.old_args] if c.old_args is not None else None,
                [a.text for a in c.new_args or []],
            )
            for c in patch.call_sites
        ]
        assert pairs == [
            (None, ["x", "1"]),
            (["x", "5", "0"], ["x", "5"]),
            (["x", "2", "0"], ["x", "2"]),
        ]


def test_config_variants_of_a_definition(tmp_path: Path) -> None:
    text = (
        "#ifdef CONFIG_SCALE\nint scale(int value, int factor, int unused)\n{\n"
        "\treturn value * factor;\n}\n#else\n"
        "static inline int scale(int value, int factor, int unused)\n{\n\treturn 0;\n}\n#endif\n"
    )
    repo, patches = make_series(
        tmp_path,
        {"lib/calc.h": text},
        [("lib: drop unused", {"lib/calc.h": text.replace(", int unused", "")})],
    )
    for tree in (None, repo):
        (patch,) = analyse(patches, tree).patches
        (change,) = patch.signature_changes
        assert change.removed == ["unused"]
        assert [(d.kind, d.line) for d in change.declarations] == [
            ("definition", 2),
            ("definition", 7),
        ]
        bodies = [d.new_body for d in change.declarations]
        assert bodies == ["{\n\treturn value * factor;\n}", "{\n\treturn 0;\n}"]


def test_function_pointer_use_is_a_warning(tmp_path: Path) -> None:
    ops = (
        '#include "calc.h"\n\nstruct calc_ops {\n\tint (*op)(int, int, int);\n};\n\n'
        "static const struct calc_ops ops = {\n\t.op = scale,\n};\n"
        "EXPORT_SYMBOL(scale);\n"
    )
    repo, patches = make_series(
        tmp_path,
        {"lib/calc.h": HEADER, "lib/calc.c": CALC, "lib/ops.c": ops},
        [
            (
                "lib: drop unused",
                {
                    "lib/calc.h": "int scale(int value, int factor);\n",
                    "lib/calc.c": CALC.replace(", int unused", "").replace("2, 0)", "2)"),
                },
            )
        ],
    )
    (patch,) = analyse(patches, repo).patches
    uses = [
        (f.file, f.line, f.severity) for f in patch.findings if f.check == "function-used-as-value"
    ]
    assert uses == [("lib/ops.c", 8, Severity.WARNING)]
