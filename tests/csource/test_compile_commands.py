"""With compile_commands.json the parse uses the tree's flags and headers."""

from __future__ import annotations

import json
from pathlib import Path

from patchscope.core import Severity
from patchscope.csource.parse import CompileCommands, parse_file
from tests.csource.kernel_tree import analyse
from tests.csource.synth import make_series

HEADER = "#define SCALE_BASE 10\nint scale(int value, int factor);\n"
CALC = """#include "calc.h"

int scale(int value, int factor)
{
\treturn value * factor;
}

#ifdef CONFIG_EXTRA
int use_extra(int x)
{
\treturn scale(x, SCALE_BASE);
}
#endif
"""


def series_with_flags(tmp: Path, flags: list[str]) -> tuple[Path, Path]:
    repo, patches = make_series(
        tmp,
        {"lib/calc.h": HEADER, "lib/calc.c": CALC},
        [
            (
                "lib: scale() takes an offset",
                {
                    "lib/calc.h": HEADER.replace("int factor)", "int factor, int offset)"),
                    "lib/calc.c": CALC.replace("int factor)", "int factor, int offset)").replace(
                        "value * factor", "value * factor + offset"
                    ),
                },
            )
        ],
    )
    entry = {
        "directory": str(repo),
        "file": "lib/calc.c",
        "arguments": ["gcc", "-c", *flags, "-Ilib", "-o", "lib/calc.o", "lib/calc.c"],
    }
    (tmp / "cc.json").write_text(json.dumps([entry]))
    return repo, patches


def test_flags_are_read_per_file(tmp_path: Path) -> None:
    (tmp_path / "cc.json").write_text(
        json.dumps(
            [
                {
                    "directory": str(tmp_path),
                    "file": "a.c",
                    "command": "cc -DX=1 -Iinc -c -o a.o a.c",
                }
            ]
        )
    )
    cc = CompileCommands(str(tmp_path / "cc.json"), str(tmp_path))
    assert cc.flags_for("a.c") == ["-DX=1", f"-I{tmp_path}/inc"]
    assert cc.flags_for("b.h") == cc.flags_for("a.c")  # headers borrow a .c file's flags
    assert cc.flags_for("b.c") is None


def test_config_flag_makes_the_ifdef_caller_visible(tmp_path: Path) -> None:
    repo, patches = series_with_flags(tmp_path, ["-DCONFIG_EXTRA"])
    from patchscope.core import CheckOptions
    from patchscope.csource import analyse_series
    from patchscope.progress import Progress
    from patchscope.series import read_series
    from patchscope.tree import open_tree

    options = CheckOptions(
        source=str(patches), tree=str(repo), compile_commands=str(tmp_path / "cc.json")
    )
    series = read_series(str(patches), cwd=str(repo))
    view = open_tree(options, series)
    analyse_series(series, view, options, Progress(False))
    (patch,) = series.patches
    stale = [(f.check, f.file, f.line) for f in patch.findings if f.severity is Severity.ERROR]
    assert stale == [("caller-not-updated", "lib/calc.c", 11)]


def test_without_flags_the_ifdef_caller_is_reported_unparsed(tmp_path: Path) -> None:
    repo, patches = series_with_flags(tmp_path, [])
    (patch,) = analyse(patches, repo).patches
    hidden = [f for f in patch.findings if f.check == "calls-not-parsed"]
    assert [(f.file, f.line, f.severity) for f in hidden] == [("lib/calc.c", 11, Severity.WARNING)]


def test_missing_header_falls_back_to_tolerant_parse_keeping_flags(tmp_path: Path) -> None:
    text = "#include <linux/absent.h>\n#ifdef ON\nvoid f(void) { g(1, MISSING); }\n#endif\n"
    parsed = parse_file(str(tmp_path / "x.c"), text, ["-DON"])
    assert parsed.tolerant
    assert parsed.is_call(text.index("g(1"), "g")


def _cli(cwd: Path, *args: str) -> tuple[int, str]:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "patchscope", "check", *args],
                          capture_output=True, text=True, cwd=cwd)
    return done.returncode, done.stderr


def test_an_unreadable_compile_commands_is_one_line_exit_2(tmp_path: Path) -> None:
    repo, patches = series_with_flags(tmp_path, [])
    for name, text, problem in (
        ("missing.json", None, "no such file"),
        ("broken.json", '[{"directory": "/x", "file"', "not a JSON compilation database"),
        ("nofile.json", '[{"directory": "/x", "command": "cc -c a.c"}]', 'Missing key: "file"'),
        ("object.json", "{}", "Expected array"),
    ):
        path = tmp_path / name
        if text is not None:
            path.write_text(text)
        rc, err = _cli(tmp_path, str(patches), "--tree", str(repo),
                       "--compile-commands", str(path))
        assert rc == 2, err
        assert err.count("\n") == 1 and err.startswith(f"patchscope: {path}: "), err
        assert problem in err and "Traceback" not in err


def test_the_trees_own_broken_compile_commands_is_a_warning(tmp_path: Path) -> None:
    repo, patches = series_with_flags(tmp_path, [])
    (repo / "compile_commands.json").write_text("[{}]")
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "patchscope", "check", str(patches),
                           "--tree", str(repo), "--format", "json"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode in (0, 1) and done.stderr == ""
    found = [f for f in json.loads(done.stdout)["findings"]
             if f["check"] == "compile-commands-unreadable"]
    assert [f["severity"] for f in found] == ["warning"]
    assert 'Missing key: "file"' in found[0]["message"]
