"""Function attributes and return types: the rest of a signature.

A declarator says more than its parameter list: the return type, and
attributes such as ``__noreturn`` or ``__must_check``.  A patch that changes
them changes the function's interface even when every parameter stays.

Which attributes count, and why:

- ``__noreturn`` (``_Noreturn``, ``__attribute__((noreturn))``): callers are
  compiled on the promise that the call never comes back.  Lost or gained,
  the code after each call changes meaning: an error, never proved.
- ``__pure``, ``__attribute_const__``, ``__malloc``: the compiler may drop,
  merge or reorder calls on their promise; ``__weak``: another definition
  may take this one's place; ``__init``/``__exit`` and other section or
  calling-convention attributes (``asmlinkage``) decide where and when the
  code exists.  A warning, and the proof does not cover it.
- ``__must_check`` (``__warn_unused_result``): a compile-time check only, the
  code compiled is the same.  A warning; a proof still stands.
- An attribute patchscope does not know: a warning, and the proof does not
  cover it (its meaning is not known).
- Inlining (``inline``, ``__always_inline``, ``noinline``), ``__cold`` and
  ``__hot`` steer code generation only, and storage class (``static``,
  ``extern``) is the linker's business: they are not part of the comparison.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from patchscope.core import Declaration, Finding, Severity, SignatureChange

# Canonical names of the attributes that spell the same promise differently
# (the bare words only inside ``__attribute__((...))``, where "const" is one).
_ALIASES = {
    "_Noreturn": "__noreturn",
    "noreturn": "__noreturn",
    "__noreturn__": "__noreturn",
    "warn_unused_result": "__must_check",
    "__warn_unused_result": "__must_check",
    "__warn_unused_result__": "__must_check",
    "pure": "__pure",
    "__pure__": "__pure",
    "const": "__attribute_const__",
    "__const__": "__attribute_const__",
    "malloc": "__malloc",
    "__malloc__": "__malloc",
    "weak": "__weak",
    "__weak__": "__weak",
}
# Attributes whose change leaves the compiled code of every call as it was.
CHECK_ONLY = frozenset({"__must_check"})
# Words of a declarator that are not part of the comparison at all.
NOT_COMPARED = frozenset({
    "static", "extern", "inline", "__inline", "__inline__", "__always_inline", "noinline",
    "__noinline", "__cold", "__hot", "cold", "hot", "always_inline", "__attribute__",
    "__attribute",
})  # fmt: skip
# Attribute macros of the kernel without a leading "__".
PLAIN_ATTRIBUTES = frozenset({"asmlinkage", "notrace", "noinstr", "_Noreturn"})
# "__u32", "__le16", "__poll_t": types, not attributes, despite the underscores.
_TYPE_LIKE = re.compile(r"^__(?:[us]|le|be)(?:8|16|32|64|128)$|_t$|^__int128$|^__wsum$|^__sum16$")


def canonical(word: str) -> str:
    return _ALIASES.get(word, word)


def inner_attribute(name: str) -> str:
    """The canonical word for *name* written inside ``__attribute__((...))``:
    ``noreturn`` and ``__noreturn__`` are ``__noreturn``, ``cold`` is ``__cold``."""
    bare = name.strip("_")
    return _ALIASES.get(bare, f"__{bare}")


def is_attribute_word(word: str) -> bool:
    """Whether *word*, in a declarator's type, is an attribute rather than part of the type."""
    if word in PLAIN_ATTRIBUTES:
        return True
    return word.startswith("__") and not _TYPE_LIKE.search(word) and word not in NOT_COMPARED


def split_type_words(words: list[str]) -> tuple[str, tuple[str, ...]]:
    """The return type text and the attributes among *words* (the tokens before the name)."""
    kept: list[str] = []
    attributes: list[str] = []
    for word in words:
        if word in NOT_COMPARED:
            continue
        if is_attribute_word(word):
            attributes.append(canonical(word))
        else:
            kept.append(word)
    return " ".join(kept).replace("* *", "**"), tuple(attributes)


@dataclass
class InterfaceDiff:
    """What a declarator changes besides its parameters."""

    old_return: str
    new_return: str
    lost: list[str]
    gained: list[str]

    @property
    def changed(self) -> bool:
        return self.old_return != self.new_return or bool(self.lost or self.gained)


def interface_diff(old_return: str, new_return: str, old_attributes: tuple[str, ...],
                   new_attributes: tuple[str, ...]) -> InterfaceDiff:
    old_set, new_set = set(old_attributes), set(new_attributes)
    return InterfaceDiff(
        old_return, new_return,
        [a for a in dict.fromkeys(old_attributes) if a not in new_set],
        [a for a in dict.fromkeys(new_attributes) if a not in old_set],
    )


def declaration_diff(decl: Declaration) -> InterfaceDiff:
    return interface_diff(decl.old_return, decl.new_return, decl.old_attributes,
                          decl.new_attributes)


def _attribute_effect(name: str) -> str:
    if name == "__noreturn":
        return "callers are compiled on the promise that the call never returns"
    if name in CHECK_ONLY:
        return "a compile-time check of the callers only"
    if name in ("__pure", "__attribute_const__", "__malloc"):
        return "the compiler may drop, merge or reorder calls on its promise"
    if name == "__weak":
        return "another definition may take this one's place"
    return "patchscope does not model what it does"


def attribute_findings(function: str, decls: list[Declaration], patch: int) -> list[Finding]:
    """One ``attribute-changed`` finding per attribute lost or gained and per return
    type changed, at each declaration that changes it."""
    findings = []
    for decl in decls:
        diff = declaration_diff(decl)
        where = f"this {decl.kind} of {function}()"
        for name, verb in [(a, "loses") for a in diff.lost] + [(a, "gains") for a in diff.gained]:
            findings.append(Finding(
                check="attribute-changed",
                severity=Severity.ERROR if name == "__noreturn" else Severity.WARNING,
                message=f"{where} {verb} `{name}` ({_attribute_effect(name)})",
                file=decl.file, line=decl.line, patch=patch))
        if diff.old_return != diff.new_return:
            findings.append(Finding(
                check="attribute-changed",
                severity=Severity.WARNING,
                message=f"{where} changes its return type from `{diff.old_return or '?'}` "
                f"to `{diff.new_return or '?'}`",
                file=decl.file, line=decl.line, patch=patch))
    return findings


def unproved_interface(change: SignatureChange) -> list[str]:
    """What *change* alters besides parameters and bodies that no proof covers, in words."""
    out: list[str] = []
    for decl in change.declarations:
        diff = declaration_diff(decl)
        at = f"{decl.file}:{decl.line}"
        for name in diff.lost + diff.gained:
            if name in CHECK_ONLY:
                continue
            verb = "loses" if name in diff.lost else "gains"
            out.append(f"the {decl.kind} at {at} {verb} `{name}` "
                       f"({_attribute_effect(name)})")
        if diff.old_return != diff.new_return:
            out.append(f"the {decl.kind} at {at} changes the return type from "
                       f"`{diff.old_return or '?'}` to `{diff.new_return or '?'}`: what the "
                       "callers do with the returned value is not compared")
    return list(dict.fromkeys(out))
