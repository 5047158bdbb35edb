"""Progress notes on stderr, for work that takes more than a moment.

Only on a terminal: b4 turns every stderr line into a failure, and scripts
want quiet pipes.  A note replaces the one before on the same line, cut to
the terminal's width so that it never wraps (a wrapped note would leave its
first part behind when the next one is drawn with ``\\r``).  The model's runs
are counted with totals: ``call site 2/3 unmap_region() mm/vma.c:488: layout
4,000/6,679`` (each layout runs one or more scenarios), and with ``--jobs``
the workers' counts are summed.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, enabled: bool, stream: TextIO | None = None,
                 width: int | None = None) -> None:
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.width = width  # None: the terminal's, asked at each note
        self._last = 0.0
        self._shown = False
        self._sites_total = 0
        self._site: str | None = None
        self._site_n = 0

    def _columns(self) -> int:
        if self.width is not None:
            return self.width
        columns = os.environ.get("COLUMNS", "")
        if columns.isdigit() and int(columns) >= 20:
            return int(columns)
        try:
            found = os.get_terminal_size(self.stream.fileno()).columns
        except (OSError, ValueError, AttributeError):
            found = 0
        return found if found >= 20 else 80  # a pty that says 0: the usual width

    def note(self, message: str, force: bool = False) -> None:
        """Show *message* in place of the previous note (rate-limited unless *force*)."""
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1 and not force:
            return
        self._last = now
        room = max(self._columns() - 1, 10)
        line = " ".join(message.split())
        if len(line) > room:
            line = line[: room - 3] + "..."
        self.stream.write(f"\r\x1b[K{line}")
        self.stream.flush()
        self._shown = True

    def expect_sites(self, total: int) -> None:
        """How many call sites the model will run, for the ``call site N/T`` count."""
        self._sites_total, self._site, self._site_n = total, None, 0

    def layouts(self, site: str, done: int, total: int) -> None:
        """The model has run *done* of its *total* memory layouts at call site *site*."""
        new_site = site != self._site
        if new_site:
            self._site = site
            self._site_n += 1
        count = f"{self._site_n}/{self._sites_total}" if self._sites_total else str(self._site_n)
        self.note(f"call site {count} {site}: layout {done:,}/{total:,}", force=new_site)

    def done(self) -> None:
        if self.enabled and self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False
