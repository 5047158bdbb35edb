"""Run patchscope on one input in-process; classify the outcome.

``ok``: a report came out, or the input was refused with a PatchscopeError
(exit 2: one line naming the input).  ``crash``: any other exception, or an
``internal-error`` finding (a bug dressed or not).  ``hang``: past the wall
time limit (SIGALRM interrupts the run) or, when given, past the CPU-time
limit of this process (SIGPROF: a busy loop on a shared machine is told from
a slow neighbour).  libclang crashes are contained by the
clang worker and so come out ``ok`` with an ``unknown``.
"""

from __future__ import annotations

import os
import signal
import tempfile
import time
from dataclasses import dataclass

from patchscope.core import INTERNAL_ERROR, CheckOptions
from patchscope.errors import PatchscopeError


class _Alarm(BaseException):
    pass


class _CpuAlarm(_Alarm):
    pass


@dataclass
class Outcome:
    kind: str  # "ok" | "crash" | "hang"
    seconds: float
    detail: str = ""


_fired: list[int] = []  # the limit signals delivered during the current input


def _on_alarm(signum: int, frame: object) -> None:
    _fired.append(signum)
    raise _CpuAlarm() if signum == signal.SIGPROF else _Alarm()


def run_one(data: bytes, limit: float = 20.0, scenarios: int = 20,
            cpu_limit: float | None = None) -> Outcome:
    from patchscope.commands.check import check_series
    from patchscope.render import render

    fd, path = tempfile.mkstemp(suffix=".mbox", prefix="fuzz-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    _fired.clear()
    old = signal.signal(signal.SIGALRM, _on_alarm)
    old_prof = signal.signal(signal.SIGPROF, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    if cpu_limit is not None:
        signal.setitimer(signal.ITIMER_PROF, cpu_limit)
    start = time.monotonic()
    try:
        options = CheckOptions(source=path, scenarios=scenarios, output_format="json")
        series = check_series(options)
        render(series, options)
        bugs = [f for f in series.all_findings() if f.check == INTERNAL_ERROR]
        if bugs and _fired:  # the limit's exception, wrapped, then reported as a bug
            return Outcome("hang", time.monotonic() - start, f"a limit fired: {bugs[0].message}")
        if bugs:
            return Outcome("crash", time.monotonic() - start, bugs[0].message)
        return Outcome("ok", time.monotonic() - start)
    except _CpuAlarm:
        return Outcome("hang", time.monotonic() - start, f"past {cpu_limit:g} s CPU")
    except _Alarm:
        return Outcome("hang", time.monotonic() - start, f"past {limit:g} s wall time")
    except PatchscopeError as exc:
        if exc.exit_code == 2:
            return Outcome("ok", time.monotonic() - start, str(exc))
        return Outcome("crash", time.monotonic() - start, f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # noqa: BLE001 - that is what the fuzzer looks for
        if _fired:  # the limit's exception, wrapped on its way (ctypes: ArgumentError)
            what = f"{cpu_limit:g} s CPU" if _fired[0] == signal.SIGPROF else f"{limit:g} s"
            return Outcome("hang", time.monotonic() - start, f"past {what} ({exc})")
        return Outcome("crash", time.monotonic() - start, f"{type(exc).__name__}: {exc}")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGALRM, old)
        signal.signal(signal.SIGPROF, old_prof)
        os.unlink(path)
