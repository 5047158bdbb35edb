"""The README's two set-up commands are the ones CI runs, character for character."""

from __future__ import annotations

import re

from tests.render.builders import ROOT


def _first_command_under(heading: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(f"\n## {heading}\n", 1)[1]
    match = re.search(r"```sh\n(.+?)\n", section)
    assert match, f"no sh block under {heading!r}"
    return match.group(1)


def test_ci_runs_the_readme_commands_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    for heading in ("Try it", "Run the test suite"):
        command = _first_command_under(heading)
        assert command in ci, f"{heading}: .ci/run does not run {command!r}"


def test_each_readme_command_makes_or_uses_a_venv() -> None:
    for heading in ("Try it", "Run the test suite"):
        command = _first_command_under(heading)
        assert "python3 -m venv .venv && . .venv/bin/activate &&" in command, command
        assert "python3 -m pip install" not in command, command
