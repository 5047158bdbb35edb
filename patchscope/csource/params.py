"""Parameter lists as written: each parameter's type text and name."""

from __future__ import annotations

from collections.abc import Iterable

from patchscope.clang import Token
from patchscope.core import Param

OPEN = {"(", "[", "{"}
CLOSE = {")", "]", "}"}


def comma_groups(tokens: list[Token], indexes: Iterable[int]) -> list[list[int]]:
    """*indexes* of *tokens* split at the commas outside any bracket; comments
    stay in the group they stand in."""
    groups: list[list[int]] = [[]]
    depth = 0
    for i in indexes:
        t = tokens[i]
        if t.kind != "COMMENT":
            if t.spelling in OPEN:
                depth += 1
            elif t.spelling in CLOSE:
                depth -= 1
            elif t.spelling == "," and depth == 0:
                groups.append([])
                continue
        groups[-1].append(i)
    return groups


def parse_params(
    tokens: list[Token], code: list[int], k_open: int, k_close: int
) -> list[Param] | None:
    """Parameters between ``code[k_open]`` and ``code[k_close]`` (*code*: indexes of
    the non-comment *tokens*); None if these are not declarations (an argument list)."""
    groups = [[tokens[i] for i in g]
              for g in comma_groups(tokens, [code[k] for k in range(k_open + 1, k_close)])]
    if groups == [[]]:
        return []
    params = []
    for group in groups:
        param = _param(group)
        if param is None:
            return None
        params.append(param)
    if len(params) == 1 and params[0].type == "void" and not params[0].name:
        return []
    return params


def _param(group: list[Token]) -> Param | None:
    if not group:
        return None
    spell = [t.spelling for t in group]
    if spell == ["..."]:
        return Param(type="...", name="")
    # literals, operators or member access: an expression, not a declaration
    depth = 0
    for t in group:
        depth += t.spelling == "["
        depth -= t.spelling == "]"
        if depth == 0 and (
            t.kind == "LITERAL" or t.spelling in {"->", ".", "&", "?", ":", "+", "-", "=", "!"}
        ):
            return None
    # function pointer: type (*name)(args)
    for i in range(len(group) - 2):
        if spell[i] == "(" and spell[i + 1] == "*" and group[i + 2].kind == "IDENTIFIER":
            name = spell[i + 2]
            return Param(type=join_type(spell[: i + 2] + spell[i + 3 :]), name=name)
    if "[" in spell:
        cut = spell.index("[")
        head, tail = spell[:cut], spell[cut:]
    else:
        head, tail = spell, []
    if len(head) >= 2 and group[len(head) - 1].kind == "IDENTIFIER":
        before = head[-2]
        if before not in {"struct", "union", "enum"}:
            return Param(type=join_type(head[:-1] + tail), name=head[-1])
    if len(group) == 1 and group[0].kind == "IDENTIFIER":
        # a lone identifier: an unnamed parameter of a typedef'd type, or an
        # argument; the caller decides by context
        return Param(type=spell[0], name="")
    if all(t.kind in ("KEYWORD", "IDENTIFIER") or t.spelling == "*" for t in group):
        return Param(type=join_type(spell), name="")
    return None


def join_type(spellings: list[str]) -> str:
    """Type tokens as kernel style writes them: ``struct vm_area_struct *``."""
    out = ""
    for s in spellings:
        if not out:
            out = s
        elif s in (")", "]", ",") or out.endswith(("(", "[")) or (s == "*" and out.endswith("*")):
            out += s
        elif s == "(" and out.endswith(")"):
            out += s
        else:
            out += " " + s
    return out
