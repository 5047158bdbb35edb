"""A proof that holds only with one architecture's macro values says so.

``(u8)USER_PGTABLES_CEILING`` equals ``USER_PGTABLES_CEILING`` on x86_64,
where the ceiling is 0, and on no architecture whose ceiling needs more than
8 bits (arm-lpae: 0xbf000000).  z3 tries the macros as free values first;
only the profile's values prove it, and the verdict's assumptions must name
them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.csource.kernel_tree import SEED_PATCH

OLD = "+\t\t      USER_PGTABLES_CEILING, USER_PGTABLES_CEILING, true);"


def _check(path: Path, *extra: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "patchscope", "check", str(path), "--format",
                           "json", "--no-cache", "--scenarios", "300", *extra],
                          capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)["patches"][0]


def test_an_arch_dependent_proof_states_the_values(tmp_path: Path) -> None:
    seed = SEED_PATCH.read_text()
    assert OLD in seed
    path = tmp_path / "cast.patch"
    path.write_text(seed.replace(
        OLD, "+\t\t      USER_PGTABLES_CEILING, (u8)USER_PGTABLES_CEILING, true);"))
    x86 = _check(path)
    assert x86["nfc"]["verdict"] == "proved"
    (said,) = [a for a in x86["nfc"]["assumptions"] if a.startswith("on x86_64:")]
    assert "exit_mmap()" in said and "USER_PGTABLES_CEILING = 0x0" in said
    assert "unmap_region()" not in said  # its proof holds for any value
    arm = _check(path, "--arch", "arm-lpae")
    assert arm["nfc"]["verdict"] == "refuted"


def test_the_seed_rests_on_no_arch_value() -> None:
    seed = _check(SEED_PATCH)
    assert seed["nfc"]["verdict"] == "proved"
    assert not [a for a in seed["nfc"]["assumptions"] if a.startswith("on x86_64")]
