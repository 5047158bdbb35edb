"""Architecture profiles: word size and the page-table constants that matter.

The facts are those of ``docs/kernel-semantics.md``; the expression evaluator
and the kernel models both read them from here, so that ``--arch`` changes
everything at once.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

KiB = 1 << 10
MiB = 1 << 20
GiB = 1 << 30
TiB = 1 << 40


@dataclass(frozen=True)
class ArchProfile:
    """Constants of one configuration.

    A folded level has the size of the level above it; ``levels`` counts the
    levels that really exist (4 on x86_64 4-level: PGD, PUD, PMD, PTE, with P4D
    folded into the PGD).
    """

    name: str
    description: str
    bits: int
    levels: int
    page_size: int
    pmd_size: int
    pud_size: int
    p4d_size: int
    pgdir_size: int
    first_user_address: int
    user_pgtables_ceiling: int
    task_size: int
    extra_macros: dict[str, int] = field(default_factory=dict)
    # where each extra macro's value came from, for the verdicts that rest on it
    macro_sources: dict[str, str] = field(default_factory=dict)
    # functions whose result is their arguments' alone: name -> why, in words
    pure_functions: dict[str, str] = field(default_factory=dict)

    @property
    def mask(self) -> int:
        """All ones in a word: ULONG_MAX."""
        return (1 << self.bits) - 1

    @property
    def user_end(self) -> int:
        """Where user space ends: no VMA of a user mm reaches past TASK_SIZE
        (the model's layouts stay below it; the page tables above it are
        still walked, a ceiling of 0 still stands for the top)."""
        return self.task_size

    @property
    def top(self) -> int:
        """2^bits: what an end, ceiling or limit of 0 stands for."""
        return 1 << self.bits

    def wrap(self, value: int) -> int:
        return value & self.mask

    def level_mask(self, size: int) -> int:
        return self.wrap(~(size - 1))

    @functools.cached_property
    def macros(self) -> dict[str, int]:
        """The kernel macros an argument or condition may name (read-only: shared)."""
        m = self.mask
        values = {
            "PAGE_SIZE": self.page_size,
            "PAGE_SHIFT": self.page_size.bit_length() - 1,
            "PAGE_MASK": self.level_mask(self.page_size),
            "PMD_SIZE": self.pmd_size,
            "PMD_MASK": self.level_mask(self.pmd_size),
            "PUD_SIZE": self.pud_size,
            "PUD_MASK": self.level_mask(self.pud_size),
            "P4D_SIZE": self.p4d_size,
            "P4D_MASK": self.level_mask(self.p4d_size),
            "PGDIR_SIZE": self.pgdir_size,
            "PGDIR_MASK": self.level_mask(self.pgdir_size),
            "FIRST_USER_ADDRESS": self.first_user_address,
            "USER_PGTABLES_CEILING": self.user_pgtables_ceiling,
            "TASK_SIZE": self.task_size,
            "ULONG_MAX": m,
            "LONG_MAX": m >> 1,
            "BITS_PER_LONG": self.bits,
            "NULL": 0,
            "true": 1,
            "false": 0,
        }
        values.update(self.extra_macros)
        return values


X86_64 = ArchProfile(
    name="x86_64",
    description="x86_64, 4-level paging (P4D folded)",
    bits=64,
    levels=4,
    page_size=4 * KiB,
    pmd_size=2 * MiB,
    pud_size=1 * GiB,
    p4d_size=512 * GiB,
    pgdir_size=512 * GiB,
    first_user_address=0,
    user_pgtables_ceiling=0,
    task_size=(1 << 47) - 4 * KiB,
)

X86_64_5LEVEL = ArchProfile(
    name="x86_64-5level",
    description="x86_64, 5-level paging",
    bits=64,
    levels=5,
    page_size=4 * KiB,
    pmd_size=2 * MiB,
    pud_size=1 * GiB,
    p4d_size=512 * GiB,
    pgdir_size=256 * TiB,
    first_user_address=0,
    user_pgtables_ceiling=0,
    task_size=(1 << 56) - 4 * KiB,
)

# 32-bit ARM with LPAE and the 3G/1G split: three levels, PUD and P4D folded
# into the PGD (each 1 GiB), user page tables end at TASK_SIZE, and the first
# two pages are never mapped by user space.
ARM_LPAE = ArchProfile(
    name="arm-lpae",
    description="32-bit ARM with LPAE, 3G/1G split",
    bits=32,
    levels=3,
    page_size=4 * KiB,
    pmd_size=2 * MiB,
    pud_size=1 * GiB,
    p4d_size=1 * GiB,
    pgdir_size=1 * GiB,
    first_user_address=2 * 4 * KiB,
    user_pgtables_ceiling=0xBF000000,
    task_size=0xBF000000,
)

PROFILES: dict[str, ArchProfile] = {p.name: p for p in (X86_64, X86_64_5LEVEL, ARM_LPAE)}
DEFAULT_ARCH = X86_64.name


def get_profile(name: str) -> ArchProfile:
    """Return the profile called *name*; raise KeyError naming the choices."""
    try:
        return PROFILES[name]
    except KeyError:
        raise KeyError(f"unknown arch {name!r}; choose one of: {', '.join(PROFILES)}") from None
