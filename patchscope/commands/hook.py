"""``patchscope hook``: install patchscope in the submit path, remove it, or run as a hook."""

from __future__ import annotations

import argparse
from pathlib import Path

from patchscope.errors import EXIT_OK


def run(args: argparse.Namespace) -> int:
    if args.action == "install":
        from patchscope.hooks.install import install

        print(install(args.kind, Path(args.tree)))
        return EXIT_OK
    if args.action == "uninstall":
        from patchscope.hooks.install import uninstall

        print(uninstall(args.kind, Path(args.tree)))
        return EXIT_OK
    from patchscope.hooks.run import run as run_hook

    return run_hook(args.kind, list(args.hook_args))
