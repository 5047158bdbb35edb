"""libclang runs in a worker process: its crashes and hangs are contained."""

from __future__ import annotations

import os

import pytest

from patchscope import clang, clangproc
from patchscope.csource.parse import parse_file
from patchscope.errors import ParseError

# deep enough to overflow clang's recursive-descent parser (SIGSEGV in-process)
CRASHER = "int f(void){return " + "-" * 100_000 + "1;}"


def test_crash_in_libclang_is_a_parse_error_naming_the_input() -> None:
    with pytest.raises(clangproc.NativeFailure) as err:
        clang.clang_tokenize(CRASHER)
    assert "crashed" in str(err.value) and "SIGSEGV" in str(err.value)
    assert isinstance(err.value, ParseError)
    # the next request gets a fresh worker
    assert [t.spelling for t in clang.tokenize("a + b")] == ["a", "+", "b"]


def test_file_parse_survives_a_crash_of_another_file() -> None:
    good = parse_file("good.c", "int g(int a) { return a; }\nint h(void) { return g(1); }\n")
    with pytest.raises(clangproc.NativeFailure) as err:
        parse_file("bad.c", CRASHER)
    assert "bad.c" in str(err.value)
    # the good file's unit was lost with the worker: it is parsed again, same answers
    assert [d[0] for d in good.definitions] == ["g", "h"]
    offset = good.data.index(b"g(1)")
    assert good.is_call(offset, "g")


def test_hang_is_stopped_at_the_request_limit() -> None:
    clangproc.set_request_limit(0.5)
    try:
        with pytest.raises(clangproc.NativeFailure) as err:
            clangproc.call("patchscope.clang", "lex_local", "x" * 10, True, what="a test")
            # a request that sleeps stands in for a hang
            clangproc.call("patchscope.csource.tu", "_sleep_for_test", 5.0, what="a test")
        assert "ran past 0.5 s" in str(err.value)
    finally:
        clangproc.set_request_limit(clangproc.REQUEST_SECONDS)
    assert clang.tokenize("x")[0].spelling == "x"


def test_forked_child_gets_its_own_worker() -> None:
    clang.tokenize("warm")
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        ok = clang.lex_local("q") == clangproc.call(
            "patchscope.clang", "lex_local", "q", True, what="child"
        )
        os.write(w, b"1" if ok else b"0")
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(r, 1) == b"1"
    assert clang.tokenize("still")[0].spelling == "still"


def test_check_of_a_crashing_patch_is_unknown() -> None:
    import subprocess
    import sys
    from pathlib import Path

    fixture = Path(__file__).parent.parent / "fixtures" / "fuzz" / "clang-deep-unary.mbox"
    done = subprocess.run(
        [sys.executable, "-m", "patchscope", "check", str(fixture)],
        capture_output=True, text=True, timeout=120,
    )
    # no SIGSEGV (139), no internal error (3): the patch is unknown
    assert done.returncode in (0, 1), done.stderr
    assert "unknown" in done.stdout and "Traceback" not in done.stderr
