"""The result cache: never a different output, atomic entries, bounded, bypassable."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest

from patchscope import cache

ROOT = Path(__file__).resolve().parents[1]
SEED_PATCH = ROOT / "fixtures" / "seed" / "0004-mm-memory-Add-tree-limit-to-free_pgtables.patch"
SYNTHETIC = ROOT / "fixtures" / "series" / "synthetic.mbox"
MUTANT = ROOT / "fixtures" / "equivalence" / "mutant-caller-limit.patch"


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "patchscope", "check", *args], input=stdin,
                          capture_output=True, cwd=ROOT, timeout=300, check=False)


def entries(root: Path) -> list[Path]:
    return sorted(p for p in (root / "patchscope").rglob("*") if p.is_file())


@pytest.mark.parametrize(("source", "fmt"), [(SEED_PATCH, "json"), (SYNTHETIC, "text"),
                                             (MUTANT, "b4")])
def test_same_output_cold_warm_and_without_cache(_private_cache: Path, source: Path,
                                                 fmt: str) -> None:
    cold = run(str(source), "--format", fmt, "--scenarios", "50")
    assert len(entries(_private_cache)) == 1
    warm = run(str(source), "--format", fmt, "--scenarios", "50")
    bypass = run(str(source), "--format", fmt, "--scenarios", "50", "--no-cache")
    for other in (warm, bypass):
        assert (other.returncode, other.stdout, other.stderr) == \
            (cold.returncode, cold.stdout, cold.stderr)
    assert cold.returncode in (0, 1) and cold.stdout


def test_stdin_is_cached_and_still_read(_private_cache: Path) -> None:
    data = SEED_PATCH.read_bytes()
    cold = run("-", "--format", "json", "--scenarios", "50", stdin=data)
    warm = run("-", "--format", "json", "--scenarios", "50", stdin=data)
    assert cold.stdout == warm.stdout and cold.returncode == warm.returncode == 0
    assert b"tree_max" in cold.stdout  # the patch was read from stdin
    assert len(entries(_private_cache)) == 1


def test_a_hit_is_what_is_printed(_private_cache: Path) -> None:
    """The warm run reads the entry (so the comparisons above compare a hit)."""
    run(str(SYNTHETIC), "--format", "json")
    (entry,) = entries(_private_cache)
    cache.put(entry.name, b"0\nfrom the cache\n")
    os.environ["XDG_CACHE_HOME"] = str(_private_cache)
    assert run(str(SYNTHETIC), "--format", "json").stdout == b"from the cache\n"


def test_no_cache_neither_reads_nor_writes(_private_cache: Path) -> None:
    run(str(SYNTHETIC), "--no-cache")
    assert entries(_private_cache) == []


def test_the_key_holds_the_input_and_the_options(tmp_path: Path) -> None:
    patch = tmp_path / "one.patch"
    patch.write_bytes(SEED_PATCH.read_bytes())
    settings = {"format": "json", "arch": "x86_64", "scenarios": 2000, "seed": 1}
    key = cache.output_key(str(patch), settings)
    assert key is not None and key == cache.output_key(str(patch), dict(settings))
    for change in ({"arch": "arm-lpae"}, {"scenarios": 10}, {"seed": 2}, {"format": "text"}):
        assert cache.output_key(str(patch), {**settings, **change}) != key
    patch.write_bytes(SEED_PATCH.read_bytes().replace(b"tree_max", b"tree_lim"))
    assert cache.output_key(str(patch), settings) != key


def test_tree_mode_and_ranges_are_not_cached(_private_cache: Path,
                                             kernel_tree: object) -> None:
    assert cache.output_key("HEAD~1..HEAD", {}) is None
    tree = kernel_tree()  # type: ignore[operator]
    run(str(SEED_PATCH), "--tree", str(tree), "--scenarios", "10")
    assert entries(_private_cache) == []


def test_a_damaged_entry_is_ignored(_private_cache: Path) -> None:
    cold = run(str(SYNTHETIC))
    (entry,) = entries(_private_cache)
    entry.write_bytes(entry.read_bytes()[:-3] + b"XYZ")
    again = run(str(SYNTHETIC))
    assert again.stdout == cold.stdout


def test_an_unusable_cache_directory_is_no_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    env = {**os.environ, "XDG_CACHE_HOME": str(blocker)}
    done = subprocess.run([sys.executable, "-m", "patchscope", "check", str(SYNTHETIC)],
                          capture_output=True, cwd=ROOT, env=env, timeout=300, check=False)
    assert done.returncode in (0, 1) and done.stdout and not done.stderr


def test_the_size_is_bounded_least_recently_used_first(_private_cache: Path) -> None:
    keys = [cache.make_key(str(i)) for i in range(12)]
    for i, key in enumerate(keys):
        cache.put(key, bytes(1000))
        path = _private_cache / "patchscope" / key[:2] / key
        os.utime(path, ns=(i * 10**9, i * 10**9))
    cache._trim(_private_cache / "patchscope", 6000)
    left = {p.name for p in entries(_private_cache)}
    assert left and len(left) * 1083 <= 6000 * 3 // 4 + 1083
    assert keys[-1] in left and keys[0] not in left



def test_an_entry_over_the_entry_bound_is_not_stored(_private_cache: Path) -> None:
    small, big = cache.make_key("small"), cache.make_key("big")
    cache.put(small, bytes(cache.MAX_ENTRY))
    cache.put(big, bytes(cache.MAX_ENTRY + 1))
    assert cache.get(small) == bytes(cache.MAX_ENTRY)
    assert cache.get(big) is None


def test_the_key_follows_the_file_read_in_chunks(tmp_path: Path) -> None:
    path = tmp_path / "big.mbox"
    path.write_bytes(b"x" * (3 * cache._CHUNK + 5))
    key = cache.output_key(str(path), {})
    path.write_bytes(b"x" * (3 * cache._CHUNK + 4) + b"y")  # the last chunk differs
    assert cache.output_key(str(path), {}) != key
    path.write_bytes(b"x" * (3 * cache._CHUNK + 5))
    assert cache.output_key(str(path), {}) == key

def _writer(args: tuple[str, str, int]) -> None:
    root, key, n = args
    os.environ["XDG_CACHE_HOME"] = root
    for _ in range(30):
        cache.put(key, bytes([n]) * 50_000)


def test_concurrent_writers_leave_one_whole_entry(_private_cache: Path) -> None:
    key = cache.make_key("contended")
    with multiprocessing.get_context("fork").Pool(4) as pool:
        pool.map(_writer, [(str(_private_cache), key, n) for n in range(4)])
    got = cache.get(key)
    assert got is not None and len(got) == 50_000 and len(set(got)) == 1
    assert [p.name for p in entries(_private_cache)] == [key]  # no temporary file left
