"""Every malformed fixture: one clear InputError, or findings with the rest read."""

from __future__ import annotations

import pytest

from patchscope.core import Severity
from patchscope.errors import EXIT_USAGE, InputError
from patchscope.series import read_series
from tests.series.helpers import FIXTURES, ROOT

BAD = FIXTURES / "malformed"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("empty.mbox", "empty input, no patch to read"),
        ("binary-garbage.mbox", "binary data, not a mailbox or patch"),
        ("no-patches.mbox", "holds no patch (2 messages, none with a diff)"),
        ("hunk-counts.patch", "malformed diff: mm/region.c: hunk '@@ -7,11 +7,9 @@' is short"),
        ("truncated.mbox.gz", "corrupt compressed data"),
    ],
)
def test_unreadable_inputs(name: str, problem: str) -> None:
    with pytest.raises(InputError) as err:
        read_series(str(BAD / name), cwd=str(ROOT))
    assert err.value.exit_code == EXIT_USAGE
    message = str(err.value)
    assert message.startswith(f"{BAD / name}: {problem}")
    assert "\n" not in message


def test_one_malformed_patch_is_a_finding_and_the_rest_are_read() -> None:
    series = read_series(str(BAD / "one-malformed.mbox"), cwd=str(ROOT))
    assert [p.index for p in series.patches] == [1, 2, 3]
    p1, p2, p3 = series.patches
    assert p1.files and p3.files and p2.files == []
    (finding,) = p2.findings
    assert finding.check == "diff-malformed" and finding.severity is Severity.ERROR
    assert "hunk '@@ -1,17 +1,18 @@' ends early" in finding.message
    # The reply to 2/3 is still threaded; its comments cannot be anchored.
    assert any(t.key == "Acked-by" for t in p2.trailers)
    assert all(c.file is None for c in p2.review_comments)


def test_dotdot_path_is_a_finding_and_never_a_file() -> None:
    series = read_series(str(BAD / "dotdot-path.patch"), cwd=str(ROOT))
    (patch,) = series.patches
    assert [f.path for f in patch.files] == ["mm/region_trace.h"]
    (finding,) = patch.findings
    assert finding.check == "diff-unsafe-path"
    assert "../../etc/region_stats.c" in finding.message


def test_partial_and_duplicated() -> None:
    partial = read_series(str(FIXTURES / "partial.mbox"), cwd=str(ROOT))
    assert [p.index for p in partial.patches] == [1, 3] and partial.missing == [2]
    assert any("2/3" in f.message for f in partial.findings if f.check == "series-missing")
    dup = read_series(str(FIXTURES / "duplicated.mbox"), cwd=str(ROOT))
    assert [p.index for p in dup.patches] == [1, 2, 3] and dup.duplicated == [2]
    assert [f.check for f in dup.findings] == ["series-duplicate"]
