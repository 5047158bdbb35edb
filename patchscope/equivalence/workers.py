"""Model runs of many call sites in worker processes (``--jobs N``).

The model's scenario runs are the one CPU-bound stage of a check and the
call sites are independent, so with ``--jobs`` above 1 they are run ahead of
the verdicts, one call site a task, in forked worker processes.  The
verdicts are then assembled exactly as with one job: :func:`decide_call`
takes a call's result from here instead of running the model itself.
"""

from __future__ import annotations

import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

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


def _run_one(change: SignatureChange, call: CallSite, profile: ArchProfile, scenarios: int,
             seed: int) -> ModelOutcome:
    model = decide.find_model(change)
    assert model is not None  # modelled_calls chose only modelled functions
    try:
        return model.check_call(change, call, profile, scenarios=scenarios, seed=seed,
                                progress=Progress(False))
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
    workers = min(options.jobs, len(pairs))
    progress.note(f"model: {len(pairs)} call sites on {workers} worker processes")
    # fork: workers inherit the loaded libclang, z3 and models instead of importing again
    context = multiprocessing.get_context("fork")
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = {id(call): pool.submit(_run_one, change, call, profile,
                                             options.scenarios, options.seed)
                       for change, call in pairs}
            return {key: future.result() for key, future in futures.items()}
    except (BrokenProcessPool, OSError, pickle.PicklingError):
        # the pool itself failed (no fork, out of processes): the verdict stage
        # runs each model in this process instead; the results are the same
        return {}
