"""The process libclang runs in, so that a crash in it never kills patchscope.

libclang is native code: on hostile input (a few thousand nested unary
operators, ``a=a=a=...``, ``if(a)if(a)...``) its recursive-descent parser
overflows its stack and the whole process dies with SIGSEGV.  Every libclang
call is therefore made in one persistent worker process, forked on first use
(it inherits the loaded library, so a start costs milliseconds), and answered
as plain data over a pipe.  When the worker dies or runs past its time limit,
the request that was running raises :class:`NativeFailure` (a
:class:`~patchscope.errors.ParseError`, so that part becomes ``unknown`` with
the reason), and the next request forks a fresh worker.

A request names a function by module and name; the worker imports the module
and calls it.  State the worker keeps between requests (parsed translation
units) lives in those modules' globals in the worker; :func:`generation`
tells callers when a restart lost it.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import signal
from multiprocessing.connection import Connection
from typing import Any

from patchscope.errors import ParseError

# A request (a parse of a large file, a lex) takes well under a second on real
# kernel sources; one that runs past this is treated as a hang.
REQUEST_SECONDS = 30.0

# the modules a request may call into
ALLOWED = ("patchscope.clang", "patchscope.csource.tu")


class NativeFailure(ParseError):
    """libclang crashed, or ran past its time limit, on one request."""

    def __init__(self, what: str, problem: str) -> None:
        super().__init__(f"libclang {problem} on {what}")
        self.what = what
        self.problem = problem


class _Worker:
    def __init__(self) -> None:
        context = multiprocessing.get_context("fork")
        parent, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, parent), daemon=True)
        self.process.start()
        child.close()  # else a dead worker's pipe never reports EOF
        self.conn: Connection = parent
        self.pid = os.getpid()  # the process that owns this worker

    def stop(self) -> None:
        try:
            self.conn.close()
        except OSError:
            pass
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)


_worker: _Worker | None = None
_generation = 0
_limit = REQUEST_SECONDS


def set_request_limit(seconds: float) -> None:
    """Seconds one request may take before the worker is killed."""
    global _limit
    _limit = seconds


def generation() -> int:
    """Changes each time a worker is started: worker-side state was lost."""
    _ensure()
    return _generation


def _ensure() -> _Worker:
    global _worker, _generation
    if _worker is not None and _worker.pid != os.getpid():
        # a forked child (a --jobs worker) inherited the parent's pipe:
        # using it would interleave with the parent's requests
        _worker = None
    if _worker is None or not _worker.process.is_alive():
        if _worker is not None:
            _worker.stop()
        _worker = _Worker()
        _generation += 1
    return _worker


def _describe(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"crashed ({signal.Signals(-code).name})"
        except ValueError:
            return f"crashed (signal {-code})"
    return f"exited (status {code})"


def call(module: str, function: str, *args: Any, what: str = "its input") -> Any:
    """``module.function(*args)`` run in the worker; its return value.

    *what* names the input for the reason when libclang fails on it.
    """
    if module not in ALLOWED:
        raise ValueError(f"not a worker module: {module}")
    worker = _ensure()
    # not cut short by --timeout: that is checked between patches, since an
    # engine reading a failed lex as "no information" may conclude from it
    limit = _limit
    try:
        worker.conn.send((module, function, args))
        ready = worker.conn.poll(limit)
        if not ready:
            worker.stop()
            raise NativeFailure(what, f"ran past {limit:g} s (the per-parse limit)")
        status, value = worker.conn.recv()
    except (EOFError, BrokenPipeError, ConnectionResetError):
        worker.process.join(5)
        code = worker.process.exitcode
        worker.stop()
        raise NativeFailure(what, _describe(code)) from None
    if status == "ok":
        return value
    raise value  # the worker's exception, as if raised here


def shutdown() -> None:
    """Stop this process's worker (tests; the worker is a daemon otherwise)."""
    global _worker
    if _worker is not None and _worker.pid == os.getpid():
        _worker.stop()
    _worker = None


def _serve(conn: Connection, parent_end: Connection) -> None:
    # the parent's end, closed here, so that the parent's death (even by
    # SIGKILL) shows as EOF and the worker exits instead of lingering
    parent_end.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    while True:
        try:
            module, function, args = conn.recv()
        except (EOFError, OSError):
            os._exit(0)
        try:
            fn = getattr(importlib.import_module(module), function)
            reply: tuple[str, Any] = ("ok", fn(*args))
        except Exception as exc:  # noqa: BLE001 - sent back, raised in the parent
            reply = ("err", exc)
        try:
            conn.send(reply)
        except (EOFError, OSError):
            os._exit(0)
        except Exception as exc:  # noqa: BLE001 - an exception that does not pickle
            conn.send(("err", RuntimeError(f"clang worker: {type(exc).__name__}: {exc}")))
