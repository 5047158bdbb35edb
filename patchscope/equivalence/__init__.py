"""Deciding per call site whether behaviour is unchanged.

Two engines: the substitution proof (:mod:`.substitution`, :mod:`.callsite`),
exact and generic, and, for functions a kernel model covers, the model's
execution over many layouts (:mod:`patchscope.models`).  This module combines
them into the contract's verdicts, per call site, per body change and per
patch, and turns what they find into findings.
"""

from __future__ import annotations

from patchscope.arch import get_profile
from patchscope.core import CheckOptions, Patch, Series
from patchscope.equivalence.decide import decide_patch
from patchscope.equivalence.workers import modelled_calls, run_models
from patchscope.errors import UsageError
from patchscope.progress import Progress


def decide_series(series: Series, options: CheckOptions, progress: Progress) -> None:
    """Set every call site's verdict, each patch's nfc result, and their findings.

    decide_series - decide the "no functional change" question for a series
    @series: the series, its signature changes and call sites filled by csource
    @options: the user's options (--arch, --scenarios, --seed, --jobs)
    @progress: where to note progress

    Every patch gets ``patch.nfc``; patches that make no claim get
    ``not-claimed`` but are analysed all the same.
    """
    try:
        profile = get_profile(options.arch)
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None
    patches: list[Patch] = series.patches
    progress.expect_sites(len(modelled_calls(series)))
    outcomes = run_models(series, profile, options, progress)
    for n, patch in enumerate(patches, 1):
        progress.note(f"deciding patch {n}/{len(patches)}: {patch.subject}")
        decide_patch(patch, profile, options, progress, outcomes)
