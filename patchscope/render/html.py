"""The HTML report: one self-contained page rendered from the Jinja2 templates.

The templates live in the repository's top-level ``templates/`` and are
shipped inside the wheel as ``patchscope/templates``.  Autoescaping is on for
every template; the only markup that does not come from a template is
Pygments' highlighted code, which Pygments escapes itself.
"""

from __future__ import annotations

import functools
import os
import re
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape

from patchscope import __version__
from patchscope.arch import PROFILES
from patchscope.core import (
    AlignedArgument,
    CallSite,
    CheckOptions,
    Finding,
    Param,
    Patch,
    Series,
    SignatureChange,
)
from patchscope.errors import InternalError, UsageError
from patchscope.render import verdicts
from patchscope.render.addrspace import Drawing, draw
from patchscope.render.counterexample import facts, words
from patchscope.render.diffview import DiffRow, DiffView, diff_view, pygments_css
from patchscope.render.hidden import HIDDEN

TEMPLATE = "report.html.j2"

# Where a Message-ID's thread is read: a plain link, followed only if the
# reader clicks it; the page itself still loads nothing.
ARCHIVE = "https://lore.kernel.org/r/"

# The page needs no script and loads nothing: styles are inline, images are data.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


class _TraversableLoader(jinja2.BaseLoader):
    """Load templates from a package resource, which may live inside a zip."""

    def __init__(self, root: Traversable) -> None:
        self.root = root

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        node = self.root
        for part in template.split("/"):
            node = node / part
        if not node.is_file():
            raise jinja2.TemplateNotFound(template)
        return node.read_text(encoding="utf-8"), None, lambda: True


def templates_root() -> Traversable:
    """Where the templates are: inside the installed package, else the source checkout."""
    packaged = resources.files("patchscope") / "templates"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "templates"
    if checkout.is_dir():
        return checkout
    raise InternalError(f"the HTML templates are missing (looked in {packaged} and {checkout})")


def _reveal(value: Any) -> Markup:
    """Escape *value*; hidden characters (bidi controls ...) become a visible ``<U+XXXX>``."""
    text = str(value)
    out: list[str] = []
    last = 0
    for m in HIDDEN.finditer(text):
        out.append(escape(text[last : m.start()]))
        out.append(f'<span class="hidden-char">&lt;U+{ord(m.group()):04X}&gt;</span>')
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("".join(out))


def _path(value: Any) -> Markup:
    """A file path, escaped, that may wrap after each slash rather than mid-name."""
    return Markup("/<wbr>").join(_reveal(part) for part in str(value).split("/"))


def _declaration(param: Param) -> str:
    """``unsigned long floor``, ``struct mm_struct *mm``: C spacing around the star."""
    kind = " ".join(param.type.split())
    if not param.name:
        return kind
    return f"{kind}{param.name}" if kind.endswith("*") else f"{kind} {param.name}"


@functools.cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment, built once: compiling the templates is most of a render."""
    env = jinja2.Environment(
        loader=_TraversableLoader(templates_root()),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["reveal"] = _reveal
    env.filters["decl"] = _declaration
    env.filters["path"] = _path
    env.globals["icon"] = verdicts.icon
    env.globals["severity_icon"] = lambda s: verdicts.SEVERITY_ICONS.get(s, "\u2022")
    env.globals["accounting_summary"] = verdicts.accounting_summary
    return env


# --------------------------------------------------------------------------
# What the templates receive: plain views over the Series, no input turned into markup


@dataclass
class ParamView:
    param: Param
    mark: str  # "", "added", "removed", "renamed", "moved", "retyped"
    note: str


@dataclass
class SignatureView:
    change: SignatureChange
    old: list[ParamView]
    new: list[ParamView]
    interface: list[str] = field(default_factory=list)  # return type and attribute changes


@dataclass
class CounterexampleView:
    words: list[tuple[str, str]]
    drawing: Drawing


@dataclass
class CallSiteView:
    index: int  # 1-based, for anchors
    site: CallSite
    rows: list[AlignedArgument]
    verdict: str
    basis: str
    counterexample: CounterexampleView | None


@dataclass
class PatchView:
    patch: Patch
    anchor: str
    verdict: verdicts.PatchVerdict
    body_before: str
    claim: str | None
    body_after: str
    claim_outside_body: bool
    signatures: list[SignatureView]
    call_sites: list[CallSiteView]
    diff: DiffView
    review_trailers: list[Any] = field(default_factory=list)
    findings: list[Any] = field(default_factory=list)


def _signature_view(change: SignatureChange) -> SignatureView:
    renamed_old = {r.old: r.new for r in change.renamed}
    renamed_new = {r.new: r.old for r in change.renamed}
    old_types = {p.name: p.type for p in change.old_params}

    def mark_old(p: Param) -> ParamView:
        if p.name in change.removed:
            return ParamView(p, "removed", "removed")
        if p.name in renamed_old:
            return ParamView(p, "renamed", f"renamed to {renamed_old[p.name]}")
        if p.name in change.moved:
            return ParamView(p, "moved", "moved")
        return ParamView(p, "", "")

    def mark_new(p: Param) -> ParamView:
        if p.name in change.added:
            return ParamView(p, "added", "added")
        if p.name in renamed_new:
            return ParamView(p, "renamed", f"renamed from {renamed_new[p.name]}")
        if p.name in change.moved:
            return ParamView(p, "moved", "moved")
        before = old_types.get(p.name)
        if before is not None and " ".join(before.split()) != " ".join(p.type.split()):
            return ParamView(p, "retyped", f"type was {before}")
        return ParamView(p, "", "")

    return SignatureView(
        change, [mark_old(p) for p in change.old_params], [mark_new(p) for p in change.new_params],
        verdicts.interface_changes(change),
    )


def _split_claim(patch: Patch) -> tuple[str, str | None, str, bool]:
    """The commit message around the NFC claim, so the template can mark it."""
    claim = patch.nfc_claim
    if not claim:
        return patch.body, None, "", False
    at = patch.body.find(claim)
    if at < 0:  # the reader may have joined a wrapped sentence: match across whitespace
        flat = " ".join(claim.split())
        pattern = r"\s+".join(re.escape(w) for w in flat.split(" "))
        found = re.search(pattern, patch.body)
        if found is None:
            return patch.body, claim, "", True
        return patch.body[: found.start()], found.group(), patch.body[found.end():], False
    return patch.body[:at], claim, patch.body[at + len(claim):], False


def _call_site_view(index: int, site: CallSite) -> CallSiteView:
    verdict, basis = verdicts.site_verdict(site)
    cx_view = None
    cx = site.verdict.counterexample if site.verdict is not None else None
    if cx is not None:
        cx_view = CounterexampleView(words(cx), draw(facts(cx)))
    return CallSiteView(index, site, site.aligned(), verdict, basis, cx_view)


def _patch_view(patch: Patch, number: int) -> PatchView:
    anchor = f"patch-{number}"
    before, claim, after, outside = _split_claim(patch)
    return PatchView(
        patch=patch,
        anchor=anchor,
        verdict=verdicts.patch_verdict(patch),
        body_before=before,
        claim=claim,
        body_after=after,
        claim_outside_body=outside,
        signatures=[_signature_view(c) for c in patch.signature_changes],
        call_sites=[_call_site_view(i, cs) for i, cs in enumerate(patch.call_sites, start=1)],
        diff=diff_view(patch.files, patch.review_comments, anchor, patch.accounting),
        review_trailers=[t for t in patch.trailers if t.key.lower() != "signed-off-by"],
        findings=sorted(patch.findings, key=verdicts.severity_rank),
    )


def archive_url(message_id: str | None) -> str | None:
    """The list archive's page of the thread of *message_id*."""
    bare = (message_id or "").strip().strip("<>").strip()
    if not bare or any(c.isspace() for c in bare):
        return None
    return ARCHIVE + quote(bare, safe="@!$&'()*+,;=:-._~") + "/"


def _diff_row(pv: PatchView, f: Finding) -> DiffRow | None:
    """The diff row of *pv* at the finding's file and line (new side first)."""
    if not f.file or not f.line:
        return None
    for fv in pv.diff.files:
        if f.file not in (fv.change.path, fv.change.old_path):
            continue
        for kinds, side in (((" ", "+"), "new_lineno"), (("-",), "old_lineno")):
            for row in fv.rows:
                if row.kind in kinds and getattr(row, side) == f.line:
                    return row
    return None


def finding_links(patches: list[PatchView], series: Series) -> dict[int, list[tuple[str, str]]]:
    """Per finding (by id), the (label, anchor) of its call site and of its diff line.

    A finding without a patch (the series') is looked for in every patch.
    """
    links: dict[int, list[tuple[str, str]]] = {}
    for f in series.all_findings():
        found: list[tuple[str, str]] = []
        for pv in patches:
            if f.patch is not None and pv.patch.index != f.patch:
                continue
            site = next((cv for cv in pv.call_sites
                         if f.file and cv.site.file == f.file and cv.site.line == f.line), None)
            if site is not None:
                found.append(("call site", f"{pv.anchor}-cs{site.index}"))
            row = _diff_row(pv, f)
            if row is not None:
                row.linked = True
                found.append(("diff line", row.anchor))
            if found:
                break
        links[id(f)] = found
    return links


def context(series: Series, options: CheckOptions) -> dict[str, Any]:
    """Everything the report template shows, computed once."""
    profile = PROFILES.get(options.arch)
    patches = [_patch_view(p, i) for i, p in enumerate(series.patches, start=1)]
    links = finding_links(patches, series)
    return {
        "series": series,
        "options": options,
        "patches": patches,
        "patch_anchors": {pv.patch.index: pv.anchor for pv in patches},
        "finding_links": lambda f: links.get(id(f), []),
        "archive_url": archive_url,
        "version": __version__,
        "csp": Markup(CSP),  # noqa: S704 - a constant, quoted as the CSP spec writes it
        "arch": options.arch,
        "arch_description": profile.description if profile else options.arch,
        "scenarios_run": verdicts.scenario_total(series),
        "findings": verdicts.findings_by_severity(series),
        "counts": verdicts.count_severity(series),
        "code_css": Markup(pygments_css(".code")),  # noqa: S704 - from Pygments' styles
    }


def render_html(series: Series, options: CheckOptions) -> str:
    """Return the whole report page for a checked *series*."""
    return environment().get_template(TEMPLATE).render(context(series, options))


def html_target(path: str, source: str) -> Path:
    """The file ``--html`` *path* names, or a usage error saying why it cannot be written.

    Checked before the analysis too, so that a mistyped path fails at once.
    """
    target = Path(os.path.realpath(path))  # write through a symlink, not over it
    if target.is_dir():
        raise UsageError(f"--html {path}: is a directory")
    if source not in ("-", "") and Path(os.path.realpath(source)) == target:
        raise UsageError(f"--html {path}: is the series being checked; name another file")
    if not target.parent.is_dir():
        problem = "is not a directory" if target.parent.exists() else "does not exist"
        raise UsageError(f"--html {path}: {target.parent} {problem}")
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise UsageError(f"--html {path}: cannot write in {target.parent}")
    return target


def write_html(series: Series, options: CheckOptions, path: str) -> None:
    """Write the report to *path*, replacing only that file, and only once it is complete.

    The page goes to a temporary file beside *path* first and is renamed over
    it, so an interrupted run never leaves half a report.  A path that cannot
    be written is a usage error naming the path.
    """
    page = render_html(series, options)
    target = html_target(path, options.source)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as err:
        raise UsageError(f"--html {path}: cannot write there: {err.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(page)
        if target.exists():  # a replaced report keeps its permissions
            mode = stat.S_IMODE(target.stat().st_mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(f"--html {path}: cannot write: {err.strerror}") from None
    except BaseException:  # interrupted (SIGINT): no temporary file left behind
        Path(tmp).unlink(missing_ok=True)
        raise
