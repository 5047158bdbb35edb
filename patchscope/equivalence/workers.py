"""Model runs of many call sites in worker processes (``--jobs N``).

The model's scenario runs are the one CPU-bound stage of a check and the
call sites are independent, so with ``--jobs`` above 1 they are run ahead of
the verdicts, one call site a task, in forked worker processes.  The
verdicts are then assembled exactly as with one job: :func:`decide_call`
takes a call's result from here instead of running the model itself.
"""

from __future__ import annotations

from typing import Any

from patchscope.arch import ArchProfile
from patchscope.core import CallSite, CheckOptions, Series, SignatureChange
from patchscope.equivalence import decide
from patchscope.progress import Progress

# What a worker sends back: the model's result, or the exception it raised
# (decide_call reports that as an internal-error finding, as with one job).
ModelOutcome = object


def modelled_calls(series: Series) -> list[tuple[SignatureChange, CallSite]]:
    """The (change, call) pairs the verdict stage would give to a model.

    The same pairing as :func:`decide_patch`: a call goes with the first
    change of its function in its patch; calls not wholly visible, new or
    removed get no model run.
    """
    pairs = []
    for patch in series.patches:
        seen: set[int] = set()
        for change in patch.signature_changes:
            if decide.find_model(change) is None:
                continue
            for call in patch.call_sites:
                if call.function != change.function or id(call) in seen:
                    continue
                seen.add(id(call))
                if call.complete and call.old_args is not None and call.new_args is not None:
                    pairs.append((change, call))
    return pairs


# Per task, the layouts run and planned, written by the workers and read by
# the parent for its progress line; set before the pool forks its workers.
_COUNTS: tuple[Any, Any] | None = None


class _CountingProgress(Progress):
    """A worker's progress: counts in the shared arrays, nothing on screen."""

    def __init__(self, slot: int) -> None:
        super().__init__(False)
        self.slot = slot

    def layouts(self, site: str, done: int, total: int) -> None:
        if _COUNTS is not None:
            _COUNTS[0][self.slot], _COUNTS[1][self.slot] = done, total


def _run_one(change: SignatureChange, call: CallSite, profile: ArchProfile, scenarios: int,
             seed: int, slot: int = 0) -> ModelOutcome:
    model = decide.find_model(change)
    assert model is not None  # modelled_calls chose only modelled functions
    progress = _CountingProgress(slot)
    try:
        outcome: ModelOutcome = model.check_call(change, call, profile, scenarios=scenarios,
                                                 seed=seed, progress=progress)
        if _COUNTS is not None:  # all of its layouts are done
            _COUNTS[0][slot] = _COUNTS[1][slot]
        return outcome
    except Exception as exc:  # sent back whole: the parent reports it
        return exc


def run_models(series: Series, profile: ArchProfile, options: CheckOptions,
               progress: Progress) -> dict[int, ModelOutcome]:
    """Model outcomes keyed by ``id(call)``, computed by ``options.jobs`` processes.

    Empty with one job (each call is run when its verdict is decided) or
    fewer than two modelled call sites (a pool would only cost its start).
    """
    if options.jobs <= 1:
        return {}
    pairs = modelled_calls(series)
    if len(pairs) < 2:
        return {}
    # imported here: a run with one job (the default) never pays for them
    import multiprocessing
    import pickle
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    global _COUNTS
    workers = min(options.jobs, len(pairs))
    progress.note(f"model: {len(pairs)} call sites on {workers} worker processes", force=True)
    # fork: workers inherit the loaded libclang, z3 and models instead of importing again
    context = multiprocessing.get_context("fork")
    _COUNTS = (context.Array("q", len(pairs), lock=False),
               context.Array("q", len(pairs), lock=False))
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = {id(call): pool.submit(_run_one, change, call, profile,
                                             options.scenarios, options.seed, slot)
                       for slot, (change, call) in enumerate(pairs)}
            pending = set(futures.values())
            while pending:
                _, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                _note_counts(progress, len(pairs) - len(pending), len(pairs), workers)
            return {key: future.result() for key, future in futures.items()}
    except (BrokenProcessPool, OSError, pickle.PicklingError):
        # the pool itself failed (no fork, out of processes): the verdict stage
        # runs each model in this process instead; the results are the same
        return {}
    finally:
        _COUNTS = None


def _note_counts(progress: Progress, finished: int, total: int, workers: int) -> None:
    if _COUNTS is None:
        return
    done, planned = sum(_COUNTS[0]), sum(_COUNTS[1])
    progress.note(f"model: call site {finished}/{total} done on {workers} workers, "
                  f"layout {done:,}/{planned:,} of those started", force=finished == total)
