"""Renderers: one module per output format, each a function of a checked Series."""

from __future__ import annotations

from collections.abc import Iterator

from patchscope.core import CheckOptions, Series


def render_chunks(series: Series, options: CheckOptions) -> Iterator[str]:
    """:func:`render`'s text in pieces to write as they come: JSON one patch at
    a time (a report of thousands of patches is never one string), others whole."""
    if options.output_format == "json":
        from patchscope.render.json import json_chunks

        yield from json_chunks(series, options)
        return
    yield render(series, options)


def render(series: Series, options: CheckOptions) -> str:
    """Return what ``patchscope check`` prints on stdout for ``options.output_format``."""
    fmt = options.output_format
    if fmt == "json":
        from patchscope.render.json import render_json

        return render_json(series, options)
    if fmt == "b4":
        from patchscope.render.b4 import render_b4

        return render_b4(series, options)
    if fmt == "b4-json":
        from patchscope.render.b4 import render_b4_json

        return render_b4_json(series, options)
    from patchscope.render.text import render_text

    return render_text(series, options)
