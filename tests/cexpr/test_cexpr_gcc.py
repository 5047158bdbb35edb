"""The evaluator against gcc: a few hundred generated expressions per word size.

The C program is written and compiled in a temporary directory by the test;
each expression prints its type (via _Generic) and its value, and both must
match what patchscope's evaluator says for the same variable values.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest

from patchscope.arch import ARM_LPAE, X86_64, ArchProfile
from patchscope.cexpr import EvalError, IntValue, evaluate_value, parse_expr
from tests.cexpr.exprgen import VALUES32, VALUES64, gen_expr

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc not installed")

# _Generic codes -> (bits, signed) on the x86_64 host that runs the program
HOST_TYPES = {1: (32, True), 2: (32, False), 3: (64, True), 4: (64, False),
              5: (64, True), 6: (64, False), 7: (8, True), 8: (8, False),
              9: (16, True), 10: (16, False), 11: (8, True)}

PROGRAM_HEAD = r"""
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#define KIND(e) _Generic((e), int: 1, unsigned int: 2, long: 3, unsigned long: 4, \
    long long: 5, unsigned long long: 6, signed char: 7, unsigned char: 8, short: 9, \
    unsigned short: 10, char: 11, default: 0)
#define T(e) printf("%d %llu\n", KIND(e), (unsigned long long)(e))
int main(int argc, char **argv)
{
	(void)argc;
"""


def _cases(bits: int, count: int, seed: int) -> list[tuple[str, dict[str, int]]]:
    rng = random.Random(seed)
    values = VALUES64 if bits == 64 else VALUES32
    cases = []
    while len(cases) < count:
        text = gen_expr(rng, rng.randint(1, 4), bits)
        env = {v: rng.choice(values) for v in ("a", "b", "c")}
        cases.append((text, env))
    return cases


def _run_gcc(tmp_path: Path, bits: int, cases: list[tuple[str, dict[str, int]]]) -> list[str]:
    ctype = "unsigned long" if bits == 64 else "uint32_t"
    conv = "strtoull"
    lines = [PROGRAM_HEAD]
    for k, name in enumerate(("a", "b", "c")):
        lines.append(f"\t{ctype} {name} = ({ctype}){conv}(argv[{k + 1}], 0, 0);")
    lines.append("\t(void)a; (void)b; (void)c;")
    # every case reads its own values: one block per case
    for i, (text, env) in enumerate(cases):
        assigns = " ".join(f"{n} = ({ctype}){env[n]}ULL;" for n in ("a", "b", "c"))
        lines.append(f"\t{{ {assigns} T({text}); }} /* case {i} */")
    lines.append("\treturn 0;\n}\n")
    src = tmp_path / f"exprs{bits}.c"
    src.write_text("\n".join(lines))
    exe = tmp_path / f"exprs{bits}"
    subprocess.run(
        ["gcc", "-std=gnu11", "-O0", "-fwrapv", "-w", "-o", str(exe), str(src)],
        check=True, capture_output=True, text=True,
    )
    out = subprocess.run([str(exe), "0", "0", "0"], check=True, capture_output=True, text=True)
    return out.stdout.splitlines()


@pytest.mark.parametrize("profile", [X86_64, ARM_LPAE], ids=lambda p: p.name)
def test_evaluator_matches_gcc(tmp_path: Path, profile: ArchProfile) -> None:
    bits = profile.bits
    candidates = _cases(bits, 600, seed=bits)
    cases = []
    expected = []
    for text, env in candidates:
        try:
            v = evaluate_value(parse_expr(text), env, profile)
        except EvalError:
            continue  # undefined in C (shift count, division by zero): not compared
        assert isinstance(v, IntValue)
        cases.append((text, env))
        expected.append(((v.ctype.bits, v.ctype.signed), v.value & ((1 << 64) - 1)))
    assert len(cases) >= 300
    got = _run_gcc(tmp_path, bits, cases)
    assert len(got) == len(cases)
    mismatches = []
    for (text, env), (etype, evalue), line in zip(cases, expected, got, strict=True):
        kind, value = line.split()
        gtype = HOST_TYPES[int(kind)]
        if gtype != etype or int(value) != evalue:
            mismatches.append(f"{text} with {env}: gcc {gtype} {value}, ours {etype} {evalue}")
    assert not mismatches, "\n".join(mismatches[:10])


@pytest.mark.parametrize("profile", [X86_64, ARM_LPAE], ids=lambda p: p.name)
def test_z3_translation_matches_gcc(tmp_path: Path, profile: ArchProfile) -> None:
    """The symbolic side gives gcc's values too (so proofs are about C)."""
    import z3

    from patchscope.equivalence.symbolic import Translator

    bits = profile.bits
    cases = []
    for text, env in _cases(bits, 400, seed=bits + 1):
        try:
            evaluate_value(parse_expr(text), env, profile)
        except EvalError:
            continue
        cases.append((text, env))
    got = _run_gcc(tmp_path, bits, cases)
    mismatches = []
    for (text, env), line in zip(cases, got, strict=True):
        tr = Translator(profile)
        v = tr.tr(parse_expr(text))
        subst = [(tr.vars[n], z3.BitVecVal(env[n], tr.vars[n].size())) for n in tr.vars]
        value = z3.simplify(z3.substitute(v.term, *subst)).as_long()
        if v.ctype.signed and value >> (v.ctype.bits - 1):
            value -= 1 << v.ctype.bits
        defined = z3.simplify(z3.substitute(z3.And(*tr.defined), *subst)) if tr.defined \
            else z3.BoolVal(True)
        kind, gcc_value = line.split()
        if value & ((1 << 64) - 1) != int(gcc_value) or not z3.is_true(defined):
            mismatches.append(f"{text} with {env}: gcc {gcc_value}, z3 {value} ({defined})")
    assert not mismatches, "\n".join(mismatches[:10])
