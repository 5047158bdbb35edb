"""Random C expressions for differential tests against gcc."""

from __future__ import annotations

import random

VARS = ("a", "b", "c")
BINARY = ("+", "-", "*", "/", "%", "<<", ">>", "<", "<=", ">", ">=", "==", "!=",
          "&", "^", "|", "&&", "||")
UNARY = ("-", "~", "!", "+")
LIT64 = ("0", "1", "2", "-1", "7", "0x80000000", "0xffffffff", "4096", "1UL", "-1UL",
         "0x1fUL", "017", "3U", "-1L", "1ULL", "0x8000000000000000", "2147483647",
         "2147483648", "4294967296", "1LU", "40")
LIT32 = ("0", "1", "2", "-1", "7", "0x80000000", "0xffffffff", "4096", "3U", "-1U",
         "0x1fU", "017", "2147483647", "2147483648", "4294967296", "1ULL", "40")
CASTS64 = ("unsigned long", "long", "int", "unsigned int", "unsigned char", "short")
CASTS32 = ("uint32_t", "int32_t", "int", "unsigned int", "uint8_t", "int16_t")
VALUES64 = (0, 1, 2, 3, 31, 63, 64, 4096, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 1 << 32,
            (1 << 63) - 1, 1 << 63, (1 << 64) - 1, (1 << 64) - 4096)
VALUES32 = (0, 1, 2, 3, 31, 32, 4096, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFF000,
            0xBF000000)


def gen_expr(rng: random.Random, depth: int, bits: int) -> str:
    lits = LIT64 if bits == 64 else LIT32
    casts = CASTS64 if bits == 64 else CASTS32
    if depth <= 0 or rng.random() < 0.2:
        return rng.choice(VARS) if rng.random() < 0.6 else rng.choice(lits)
    kind = rng.random()
    if kind < 0.55:
        op = rng.choice(BINARY)
        left = gen_expr(rng, depth - 1, bits)
        right = gen_expr(rng, depth - 1, bits)
        if op in ("<<", ">>"):
            right = str(rng.randrange(0, bits + 2))
        return f"({left} {op} {right})"
    if kind < 0.7:
        return f"{rng.choice(UNARY)}({gen_expr(rng, depth - 1, bits)})"
    if kind < 0.85:
        return (f"({gen_expr(rng, depth - 1, bits)} ? {gen_expr(rng, depth - 1, bits)}"
                f" : {gen_expr(rng, depth - 1, bits)})")
    return f"(({rng.choice(casts)})({gen_expr(rng, depth - 1, bits)}))"
