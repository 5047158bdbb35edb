"""Tree mode killed at any moment leaves the user's repository exactly as it was.

Observable behaviour only: ``patchscope check SERIES --tree REPO`` is started,
killed (SIGINT, SIGTERM, SIGKILL) after several delays, and a hash of every
file under REPO, .git included, is compared with the one taken before.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.csource.kernel_tree import SEED_MBOX, git
from tests.test_tree import snapshot

DELAYS = [0.05, 0.3, 0.8, 1.5]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_killed_tree_run_leaves_the_repository_unchanged(
    kernel_tree: Callable[..., Path], sig: signal.Signals
) -> None:
    repo = kernel_tree("mm-extra-caller")
    (repo / "mm/mmap.c").write_text((repo / "mm/mmap.c").read_text() + "/* local edit */\n")
    git(repo, "add", "mm/mmap.c")  # a staged change: the index must survive too
    (repo / "untracked.c").write_text("int x;\n")
    before = snapshot(repo)
    for delay in DELAYS:
        proc = subprocess.Popen(
            [sys.executable, "-m", "patchscope", "check", str(SEED_MBOX), "--tree", str(repo)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.send_signal(sig)
        proc.wait(timeout=60)
        time.sleep(0.1)  # children (git, the clang worker) see the parent go
        assert snapshot(repo) == before, f"changed after {sig.name} at {delay} s"
