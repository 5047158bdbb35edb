"""Mutations of patch mails at byte, line, hunk, MIME and C-token level.

A plain seeded mutator (``random.Random``) rather than hypothesis or atheris:
the inputs are whole mails whose structure (headers, MIME parts, hunks, C
tokens) the mutations must know to reach deep stages, throughput matters for
the long run (one process, in-process, no per-example overhead), and a crash
is kept verbatim as a fixture, so shrinking is not needed.  Every input is a
function of (seed, index): a run is reproducible.
"""

from __future__ import annotations

import base64
import random
import re
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

C_TOKENS = [
    "(", ")", "{", "}", "[", "]", ",", ";", "->", ".", "*", "&", "-", "!", "~", "?", ":",
    "=", "==", "<<", ">>", "+", "/*", "*/", "//", "\\", "#define", "#if 0", "#endif",
    "\"", "'", "0x", "ULONG_MAX", "NULL", "sizeof", "struct", "free_pgtables",
    "({", "})", "\x00", "\t", "\n", "\u00e9", "\udcff",
]


def seeds() -> list[bytes]:
    """The fixtures the fuzzer starts from: every mail and patch in fixtures/."""
    out = []
    for pattern in ("fixtures/**/*.mbox", "fixtures/**/*.patch", "fixtures/**/*.eml"):
        for path in sorted(ROOT.glob(pattern)):
            if "fuzz" in path.parts:
                continue
            data = path.read_bytes()
            if len(data) < 400_000:
                out.append(data)
    return out


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def byte_flip(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if not buf:
            break
        i = rng.randrange(len(buf))
        buf[i] = rng.choice([0, 0xFF, 0x0A, 0x0D, 0x2D, 0x2B, 0x40, rng.randrange(256)])
    return bytes(buf)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def line_edit(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    for _ in range(rng.randint(1, 4)):
        if not lines:
            break
        i = rng.randrange(len(lines))
        op = rng.randrange(4)
        if op == 0:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif op == 2:
            lines[i] = lines[i] * rng.randint(2, 200)  # a long line
        else:
            lines[i] = rng.choice([b"+", b"-", b" ", b"\\"]) + lines[i][1:]
    return b"\n".join(lines)


HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", re.M)


def hunk_edit(rng: random.Random, data: bytes) -> bytes:
    heads = list(HUNK.finditer(data))
    if not heads:
        return line_edit(rng, data)
    m = rng.choice(heads)
    op = rng.randrange(3)
    if op == 0:  # wrong counts
        head = b"@@ -%d,%d +%d,%d @@" % tuple(rng.randint(0, 3000) for _ in range(4))
        return data[: m.start()] + head + data[m.end() :]
    if op == 1:  # a duplicated hunk (many hunks)
        end = heads[heads.index(m) + 1].start() if heads.index(m) + 1 < len(heads) else len(data)
        return data[:end] + data[m.start() : end] * rng.randint(1, 50) + data[end:]
    start = m.start()
    return data[:start] + data[m.end() :]  # a hunk without its header


def mime_edit(rng: random.Random, data: bytes) -> bytes:
    head, sep, body = data.partition(b"\n\n")
    op = rng.randrange(4)
    if op == 0:
        enc = base64.encodebytes(body)
        if rng.random() < 0.5:
            enc = enc[: rng.randrange(len(enc) + 1)]
        return head + b"\nContent-Transfer-Encoding: base64" + sep + enc
    if op == 1:
        return (head + b"\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"zz\""
                + sep + b"--zz\nContent-Type: text/plain\n\n" + body + b"\n--zz")
    if op == 2:
        return head + b"\nContent-Type: text/plain; charset=" + rng.choice(
            [b"bogus", b"utf-16", b"iso-2022-jp", b"\"\""]) + sep + body
    return head.replace(b"Subject:", b"Subject: =?utf-8?b?" + base64.b64encode(
        bytes(rng.randrange(256) for _ in range(12))) + b"?=") + sep + body


def c_token_edit(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    code = [i for i, ln in enumerate(lines) if ln[:1] in (b"+", b"-", b" ") and b"(" in ln]
    if not code:
        return line_edit(rng, data)
    i = rng.choice(code)
    line = lines[i]
    op = rng.randrange(3)
    if op == 0:  # deep nesting
        n = rng.choice([50, 300, 3000, 30000])
        k = line.find(b"(")
        line = line[: k + 1] + b"(" * n + b"x" + b")" * n + line[k + 1 :]
    elif op == 1:  # a run of unary operators or assignments
        n = rng.choice([100, 5000, 60000])
        k = line.find(b"(")
        line = line[: k + 1] + rng.choice([b"-", b"!", b"a=", b"(int)"]) * n + line[k + 1 :]
    else:
        pos = rng.randrange(len(line) + 1)
        tok = rng.choice(C_TOKENS).encode("utf-8", "surrogateescape")
        line = line[:pos] + tok * rng.choice([1, 1, 2, 50]) + line[pos:]
    lines[i] = line
    return b"\n".join(lines)


MUTATIONS: list[Callable[[random.Random, bytes], bytes]] = [
    byte_flip, truncate, line_edit, hunk_edit, mime_edit, c_token_edit,
]


def mutant(seed_inputs: list[bytes], seed: int, index: int) -> bytes:
    """Input *index* of the run seeded *seed*: one to three stacked mutations."""
    rng = random.Random(seed * 1_000_003 + index)
    data = rng.choice(seed_inputs)
    for _ in range(rng.randint(1, 3)):
        data = rng.choice(MUTATIONS)(rng, data)
    return data[:2_000_000]
