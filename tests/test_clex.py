"""The pure-Python C lexer gives libclang's tokens."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from patchscope import clang, clex

ROOT = Path(__file__).resolve().parents[1]
PIECES = ["x", "foo_1", "->", ".", "(", ")", "{", "}", ";", ",", " ", "\t", "\n", "0x1fUL",
          "1.5e+3", "'a'", "'\\''", '"s/*t*/"', '"http://x"', "/* c */", "// c\n", "/*\n*/",
          "<<=", ">>", "...", "#define A 1\n", " \\\n ", "++", "-", "é", "L'x'", "u8\"w\"",
          "&&", "|", "?", ":", "[", "]", "*", "/", "%", "^", "!", "~", "=", "==", "int",
          "return", "struct"]


def clang_tokens(text: str) -> list[tuple]:
    return [(t.kind, t.spelling, t.start, t.end, t.line, t.column)
            for t in clang.clang_tokenize(text) if t.kind != "COMMENT"]


def ours(text: str) -> list[tuple]:
    return [(t.kind, t.spelling, t.start, t.end, t.line, t.column) for t in clex.tokenize(text)]


def test_the_fixture_trees_lex_as_clang_lexes_them() -> None:
    files = sorted((ROOT / "fixtures" / "trees").rglob("*.[ch]"))
    assert files
    for f in files:
        text = f.read_text()
        assert ours(text) == clang_tokens(text), f


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_generated_text_lexes_as_clang_lexes_it(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert [t[1:] for t in ours(text)] == [t[1:] for t in clang_tokens(text)]


def test_with_comments_too() -> None:
    for f in sorted((ROOT / "fixtures").rglob("*.[ch]")):
        text = f.read_text()
        want = [(t.kind, t.spelling, t.start, t.end, t.line, t.column)
                for t in clang.clang_tokenize(text)]
        got = [(t.kind, t.spelling, t.start, t.end, t.line, t.column)
               for t in clex.tokenize(text, comments=True)]
        assert got == want, f


def test_unterminated_literals_and_comments_as_clang() -> None:
    for text in ["x = 'abc\n", 'y = "abc\n', "a /* open", "b /*/ c", "'\\'", '"a\\"']:
        want = [(t.kind, t.spelling) for t in clang.clang_tokenize(text)]
        got = [(t.kind, t.spelling) for t in clex.tokenize(text, comments=True)]
        assert got == want, text


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_spellings_are_the_tokens(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert clex.spellings(text) == [(t.line, t.spelling) for t in clex.tokenize(text)]
