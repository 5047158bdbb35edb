"""Deciding per call site whether behaviour is unchanged.

Two engines: the substitution proof (:mod:`.substitution`, :mod:`.callsite`),
exact and generic, and, for functions a kernel model covers, the model's
execution over many layouts (:mod:`patchscope.models`).  This module combines
them into the contract's verdicts, per call site, per body change and per
patch, and turns what they find into findings.
"""

from __future__ import annotations

from dataclasses import replace

from patchscope import budget
from patchscope.arch import get_profile
from patchscope.core import (
    Basis,
    CheckOptions,
    Finding,
    NfcResult,
    Patch,
    Series,
    Severity,
    Verdict,
    VerdictKind,
)
from patchscope.equivalence.catalogue import catalogue_for, known
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
    if series.macro_values:
        profile = replace(
            profile,
            extra_macros={n: v for n, (v, _) in series.macro_values.items()},
            macro_sources={n: where for n, (_, where) in series.macro_values.items()})
    if series.pure_functions:
        profile = replace(profile, pure_functions=dict(series.pure_functions))
    patches: list[Patch] = series.patches
    progress.expect_sites(len(modelled_calls(series)))
    outcomes = run_models(series, profile, options, progress)
    for n, patch in enumerate(patches, 1):
        if patch.unanalysed:  # past a size limit: the reason is in its gaps
            pass
        elif budget.expired():
            patch.gaps.append(f"its verdicts were {budget.reason()}")
            for call in patch.call_sites:
                call.verdict = Verdict(VerdictKind.UNKNOWN, "none", budget.reason(),
                                       arch=profile.name)
        else:
            progress.note(f"deciding patch {n}/{len(patches)}: {patch.subject}")
            with known(catalogue_for(patch, patches[:n - 1], series.shape_files)):
                decide_patch(patch, profile, options, progress, outcomes, patches[:n - 1])
        apply_gaps(patch)


def apply_gaps(patch: Patch) -> None:
    """A patch with parts left unanalysed (``patch.gaps``) is at best unknown."""
    if not patch.gaps:
        return
    nfc = patch.nfc
    if nfc is not None and nfc.verdict in (VerdictKind.REFUTED, VerdictKind.UNKNOWN,
                                           VerdictKind.NOT_CLAIMED):
        nfc.reasons = list(patch.gaps) + nfc.reasons
        return
    earlier = nfc.reasons if nfc is not None else []
    if not patch.claims_nfc:
        patch.nfc = NfcResult(VerdictKind.NOT_CLAIMED,
                              ["no claim of no functional change; analysis: unknown"]
                              + list(patch.gaps) + earlier, Basis.NONE)
        return
    patch.nfc = NfcResult(VerdictKind.UNKNOWN, list(patch.gaps) + earlier, Basis.NONE)
    patch.findings.append(Finding(
        "nfc-unproved", Severity.ERROR,
        f"the patch claims no functional change, but {patch.gaps[0]}", None, None,
        patch.index))
