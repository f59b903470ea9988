"""Parse selection expressions (``+mart/* and tag:tier=gold``) into an AST of frozen nodes.

Owns the grammar and its syntax errors only: it never looks at a graph, so the
same parse serves Python, the CLI, the HTTP API and the UI. Evaluation lives in
``headwater.graph.selection``.

Grammar, loosest binding first (keywords are case-insensitive)::

    union     := intersect (("or" | "," | <whitespace>) intersect)*
    intersect := negation ("and" negation)*
    negation  := "not"* term
    term      := [DIGITS "+" | "+"] primary ["+" [DIGITS]]     # '+' touches the primary
    primary   := ATOM | "(" union ")"
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final, TypeAlias

from headwater.errors import DefinitionError, SelectionError, did_you_mean
from headwater.keys import AssetKey

ATTRIBUTES: Final = ("group", "tag", "owner", "kind", "status", "changed")
"""Selector names written ``name:value``."""

STATUS_VALUES: Final = ("missing", "stale", "failed", "fresh", "overdue", "on_time")
"""``status:`` values: staleness from the event log, and ``overdue``/``on_time`` against freshness policies."""
CHANGED_VALUES: Final = ("code",)
MAX_NESTING: Final = 100
ECHO_LIMIT: Final = 200
"""Most characters of user input an error message repeats; longer text is cut with '…'."""
"""Deepest parenthesis nesting accepted (keeps the recursive-descent parser far from the stack limit)."""

_GLOB_CHARS: Final = frozenset("*?[")
_TOKEN: Final = re.compile(r"\s*(?:(?P<punct>[(),+])|(?P<word>[^\s(),+]+))")
_KEYWORDS: Final = frozenset({"and", "or", "not"})


@dataclass(frozen=True, slots=True)
class Key:
    """One asset named exactly, e.g. ``mart/revenue``."""

    key: AssetKey
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Glob:
    """Keys whose ``a/b`` string matches an fnmatch pattern (``*`` crosses ``/``)."""

    pattern: str
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Attr:
    """A selector ``name:value`` such as ``group:finance`` or ``tag:tier=gold``."""

    name: str
    value: str
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Up:
    """``node`` and its ancestors up to ``depth`` levels (all when None): ``+x``, ``2+x``."""

    node: SelectionNode
    depth: int | None = None


@dataclass(frozen=True, slots=True)
class Down:
    """``node`` and its descendants up to ``depth`` levels (all when None): ``x+``, ``x+1``."""

    node: SelectionNode
    depth: int | None = None


@dataclass(frozen=True, slots=True)
class Union:
    """Keys selected by any item: ``a b``, ``a, b``, ``a or b``."""

    items: tuple[SelectionNode, ...]


@dataclass(frozen=True, slots=True)
class Intersect:
    """Keys selected by every item: ``a and b``."""

    items: tuple[SelectionNode, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """Every key of the graph except those ``node`` selects: ``not a``."""

    node: SelectionNode


SelectionNode: TypeAlias = Key | Glob | Attr | Up | Down | Union | Intersect | Not


def clip(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text``, or its first ``limit - 1`` characters and '…' when it is longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def selection_error(text: str, pos: int, problem: str, hint: str = "") -> SelectionError:
    """A SelectionError showing ``text`` on one line with a caret under 0-based ``pos``.

    Text longer than ``ECHO_LIMIT`` is shown as the window of that many characters around ``pos``,
    cut with '…', so that a huge selection is not repeated back in full.
    """
    start, end = 0, len(text)
    if end > ECHO_LIMIT:
        start = min(max(0, pos - ECHO_LIMIT // 2), end - ECHO_LIMIT)
        end = start + ECHO_LIMIT
    shown = "".join(" " if ch.isspace() else ch for ch in text[start:end])
    before = "…" if start > 0 else ""
    after = "…" if end < len(text) else ""
    caret = " " * (pos - start + len(before))
    message = f"{problem} at column {pos + 1} in selection:\n  {before}{shown}{after}\n  {caret}^"
    return SelectionError(f"{message}\n{hint}" if hint else message)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "word", "and", "or", "not", "(", ")", ",", "+", "end"
    text: str
    start: int
    end: int

    def describe(self) -> str:
        return "end of selection" if self.kind == "end" else repr(self.text)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while True:
        match = _TOKEN.match(text, pos)
        if match is None:  # only trailing whitespace is left
            tokens.append(_Token("end", "", len(text), len(text)))
            return tokens
        word = match.group("word")
        if word is not None:
            lowered = word.lower()
            kind = lowered if lowered in _KEYWORDS else "word"
            tokens.append(_Token(kind, word, match.start("word"), match.end("word")))
        else:
            punct = match.group("punct")
            tokens.append(_Token(punct, punct, match.start("punct"), match.end("punct")))
        pos = match.end()


_TERM_HINT: Final = "expected an asset key, a glob such as 'mart/*', a selector such as 'group:finance', 'not' or '('"
_EXAMPLES: Final = {
    "group": "group:finance",
    "tag": "tag:tier=gold or tag:tier",
    "owner": "owner:team:data",
    "kind": "kind:dbt",
    "status": "status:stale",
    "changed": "changed:code",
}
_KEY_HINT: Final = "key parts use letters, digits, '_', '-' and '.', separated by '/'; '*', '?' or '[...]' make a glob"


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0
        self.nesting = 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def fail(self, pos: int, problem: str, hint: str = "") -> SelectionError:
        return selection_error(self.text, pos, problem, hint)

    def unexpected(self, tok: _Token, hint: str = _TERM_HINT) -> SelectionError:
        return self.fail(tok.start, f"unexpected {tok.describe()}", hint)

    def parse(self) -> SelectionNode:
        if self.tok.kind == "end":
            raise self.fail(0, "empty selection", "use '*' to select every asset")
        node = self.union()
        if self.tok.kind == ")":
            raise self.unexpected(self.tok, "there is no '(' for this ')' to close")
        if self.tok.kind != "end":  # pragma: no cover - union() consumes every other token
            raise self.unexpected(self.tok)
        return node

    def union(self) -> SelectionNode:
        items = [self.intersect()]
        while True:  # a loop, not recursion: thousands of terms must parse
            kind = self.tok.kind
            if kind in ("or", ","):
                self.i += 1
            elif kind not in ("word", "not", "(", "+"):
                break
            items.append(self.intersect())
        if len(items) == 1:
            return items[0]
        flat: list[SelectionNode] = []
        for item in items:
            flat.extend(item.items if isinstance(item, Union) else (item,))
        return Union(tuple(flat))

    def intersect(self) -> SelectionNode:
        items = [self.negation()]
        while self.tok.kind == "and":
            self.i += 1
            items.append(self.negation())
        if len(items) == 1:
            return items[0]
        flat: list[SelectionNode] = []
        for item in items:
            flat.extend(item.items if isinstance(item, Intersect) else (item,))
        return Intersect(tuple(flat))

    def negation(self) -> SelectionNode:
        count = 0
        while self.tok.kind == "not":
            count += 1
            self.i += 1
        node = self.term()
        return Not(node) if count % 2 else node

    def term(self) -> SelectionNode:
        tok = self.tok
        parts: list[SelectionNode] = []
        up = False
        up_depth: int | None = None
        if tok.kind == "word" and tok.text.isdigit() and self._prefix_plus(self.i + 1, tok.end):
            up, up_depth = True, int(tok.text)
            self.i += 2
        elif tok.kind == "+":
            if not self._prefix_plus(self.i, tok.start):
                raise self.fail(tok.start, "'+' must touch the asset it extends", "write '+orders' or 'orders+'")
            up = True
            self.i += 1
        node = self.primary()
        if up:
            parts.append(Up(node, up_depth))
        if self.tok.kind == "+" and self.tok.start == self.tokens[self.i - 1].end:
            plus = self.tok
            self.i += 1
            down_depth: int | None = None
            if self.tok.kind == "word" and self.tok.start == plus.end and self.tok.text.isdigit():
                down_depth = int(self.tok.text)
                self.i += 1
            after = self.tok
            if after.start == self.tokens[self.i - 1].end and after.kind in ("word", "not", "(", "+"):
                raise self.unexpected(after, "separate terms with a space, ',' or 'or'")
            parts.append(Down(node, down_depth))
        if not parts:
            return node
        return parts[0] if len(parts) == 1 else Union(tuple(parts))

    def _prefix_plus(self, index: int, glued_to: int) -> bool:
        """Whether token ``index`` is a '+' starting at ``glued_to`` and touching a primary after it."""
        plus = self.tokens[index]
        if plus.kind != "+" or plus.start != glued_to:
            return False
        after = self.tokens[index + 1]
        return after.start == plus.end and after.kind in ("word", "(")

    def primary(self) -> SelectionNode:
        tok = self.tok
        if tok.kind == "(":
            if self.nesting >= MAX_NESTING:
                raise self.fail(tok.start, f"parentheses nested more than {MAX_NESTING} deep")
            self.i += 1
            self.nesting += 1
            if self.tok.kind == ")":
                raise self.unexpected(self.tok, "parentheses need an expression inside")
            node = self.union()
            self.nesting -= 1
            if self.tok.kind != ")":
                raise self.fail(
                    self.tok.start,
                    f"unclosed '(' from column {tok.start + 1}: expected ')'",
                    "add ')' to close it",
                )
            self.i += 1
            return node
        if tok.kind != "word":
            raise self.unexpected(tok)
        self.i += 1
        return self.atom(tok.text, tok.start)

    def atom(self, word: str, pos: int) -> SelectionNode:
        name, colon, value = word.partition(":")
        if colon:
            return self.attr(name.lower(), value, pos, pos + len(name) + 1)
        if _GLOB_CHARS & set(word):
            return Glob(word, pos)
        try:
            return Key(AssetKey(*word.split("/")), pos)
        except DefinitionError:
            raise self.fail(pos, f"{clip(word)!r} is not a valid asset key", _KEY_HINT) from None

    def attr(self, name: str, value: str, pos: int, value_pos: int) -> Attr:
        if name not in ATTRIBUTES:
            raise self.fail(
                pos,
                f"unknown selector '{clip(name)}:'{did_you_mean(name, ATTRIBUTES)}",
                "selectors are " + ", ".join(f"{a}:" for a in ATTRIBUTES),
            )
        if not value or value.startswith("="):
            raise self.fail(value_pos, f"'{name}:' needs a value", f"for example {_EXAMPLES[name]}")
        allowed = {"status": STATUS_VALUES, "changed": CHANGED_VALUES}.get(name)
        if allowed is not None and value.lower() not in allowed:
            raise self.fail(
                value_pos,
                f"unknown {name} {clip(value)!r}{did_you_mean(value.lower(), allowed)}",
                f"{name}: is one of " + ", ".join(allowed),
            )
        return Attr(name, value.lower() if allowed else value, pos)


@lru_cache(maxsize=512)
def parse_selection(text: str) -> SelectionNode:
    """Parse a selection expression into a tree of frozen nodes (cached).

    Raises:
        SelectionError: the text does not parse; the message points at the column.
    """
    return _Parser(text).parse()
