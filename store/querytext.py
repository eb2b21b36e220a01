"""The one grammar of search text, shared by the API, the web app and both store backends.

    query  := any ( "OR" any )*            OR (or |) between alternatives
    any    := unary ( ["AND"] unary )*     words side by side are all required
    unary  := ("NOT" | "-") unary | atom   NOT word, -word, -"phrase", -(group) exclude
    atom   := "(" query ")" | "phrase" | word

Operators are upper-case words (`OR`, `AND`, `NOT`) so that "hoặc"/"or" typed in a sentence stay
words. Words are folded (`textsearch.tokens`: lower case, no diacritics) for matching; a word that
folds to several tokens ("covid-19") is a phrase. The tree is compiled by each backend (FTS5
expression here, Elasticsearch bool query in elastic_query.py); the raw text never reaches either.

A query that cannot be read raises QuerySyntaxError (422) with an English message and its
Vietnamese wording (`message_vi`), so a mistyped query is never silently 0 hits.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from store.errors import InvalidQuery
from store.textsearch import Clause, tokens

MAX_QUERY_CHARS = 500
MAX_WORDS = 32
_LEXEME = re.compile(r'\s+|(?P<quote>"[^"]*"?)|(?P<open>\()|(?P<close>\))|(?P<bar>\|)|(?P<word>[^\s"()|]+)')


class QuerySyntaxError(InvalidQuery):
    """Search text that does not follow the grammar; `message_vi` says so in Vietnamese."""

    def __init__(self, message: str, message_vi: str) -> None:
        super().__init__(message, key="q")
        self.message = message
        self.message_vi = message_vi


@dataclass(frozen=True)
class Word:
    """A word or a "phrase": its folded tokens, in order, and the text as typed (for accent ranking)."""

    tokens: tuple[str, ...]
    phrase: bool
    typed: str


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


Node = Word | And | Or | Not


def _lex(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for match in _LEXEME.finditer(text):
        kind = match.lastgroup
        if kind is None:
            continue
        value = match.group(0)
        if kind == "quote" and (len(value) == 1 or not value.endswith('"')):
            raise QuerySyntaxError(
                'unbalanced double quote: close the "phrase" or remove the quote',
                'Thiếu dấu ngoặc kép đóng: hãy đóng "cụm từ" hoặc bỏ dấu ngoặc kép.',
            )
        if kind == "word" and value in ("OR", "AND", "NOT"):
            kind = value
        elif kind == "bar":
            kind = "OR"
        elif kind == "word" and value.startswith("-") and len(value) > 1:
            out.append(("minus", "-"))
            value = value[1:]
        elif kind == "word" and value == "-":
            if match.end() >= len(text) or text[match.end()].isspace():
                continue  # a dash between spaces ("bão - lũ") is punctuation, not an exclusion
            kind = "minus"
        out.append((kind, value))
    return out


class _Parser:
    def __init__(self, lexemes: list[tuple[str, str]]) -> None:
        self.items = lexemes
        self.at = 0
        self.words = 0

    def peek(self) -> str | None:
        return self.items[self.at][0] if self.at < len(self.items) else None

    def take(self) -> tuple[str, str]:
        item = self.items[self.at]
        self.at += 1
        return item

    def query(self) -> Node | None:
        branches: list[Node | None] = [self.all_of()]
        while self.peek() == "OR":
            self.take()
            branches.append(self.all_of())
        if len(branches) == 1:
            return branches[0]
        if any(branch is None for branch in branches):
            raise QuerySyntaxError(
                "OR needs a word on each side (write: lũ OR lụt)",
                "Toán tử OR cần từ khóa ở cả hai bên (ví dụ: lũ OR lụt).",
            )
        return Or(tuple(b for b in branches if b is not None))

    def all_of(self) -> Node | None:
        parts: list[Node] = []
        while self.peek() not in (None, "OR", "close"):
            if self.peek() == "AND":
                self.take()
                if not parts or self.peek() in (None, "OR", "close", "AND"):
                    raise QuerySyntaxError(
                        "AND needs a word on each side", "Toán tử AND cần từ khóa ở cả hai bên."
                    )
                continue
            node = self.unary()
            if node is not None:
                parts.append(node)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self) -> Node | None:
        kind, value = self.take()
        if kind in ("NOT", "minus"):
            if self.peek() in (None, "OR", "close", "AND", "NOT", "minus"):
                raise QuerySyntaxError(
                    f"{value} needs a word, phrase or group after it (write: bão -lũ or bão NOT lũ)",
                    f"{value} cần một từ, cụm từ hoặc nhóm ngay sau (ví dụ: bão -lũ hoặc bão NOT lũ).",
                )
            child = self.unary()
            return None if child is None else Not(child)
        if kind == "open":
            inner = self.query()
            if self.peek() != "close":
                raise QuerySyntaxError(
                    "unbalanced parenthesis: a '(' is not closed",
                    "Thiếu dấu ngoặc đóng ')': một dấu '(' chưa được đóng.",
                )
            self.take()
            if inner is None:
                raise QuerySyntaxError(
                    "empty parentheses: put words inside or remove them",
                    "Cặp ngoặc rỗng: hãy đặt từ khóa vào trong hoặc bỏ ngoặc.",
                )
            return inner
        if kind == "quote":
            folded = tokens(value.strip('"'))
            typed = value.strip('"')
            phrase = True
        else:
            folded = tokens(value)
            typed = value
            phrase = len(folded) > 1
        if not folded:
            return None  # punctuation only: nothing to match
        self.words += len(folded)
        if self.words > MAX_WORDS:
            raise QuerySyntaxError(f"at most {MAX_WORDS} words", f"Tối đa {MAX_WORDS} từ trong một truy vấn.")
        return Word(tuple(folded), phrase, unicodedata.normalize("NFC", typed))


def _positive(node: Node) -> bool:
    """Whether the node requires something to be present (FTS5 and relevance need that)."""
    if isinstance(node, Word):
        return True
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(_positive(child) for child in node.children)
    return all(_positive(child) for child in node.children)


def parse(text: str | None) -> Node | None:
    """The query tree of `text` (None for empty text); raises QuerySyntaxError."""
    if text is None or not text.strip():
        return None
    if len(text) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(
            f"at most {MAX_QUERY_CHARS} characters (got {len(text)})",
            f"Truy vấn dài tối đa {MAX_QUERY_CHARS} ký tự (đang có {len(text)}).",
        )
    text = unicodedata.normalize("NFC", text).replace("“", '"').replace("”", '"')
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Co") for ch in text if ch not in "\t\n\r"):
        raise QuerySyntaxError(
            "contains control characters; send plain text",
            "Truy vấn chứa ký tự điều khiển; hãy gõ chữ thường.",
        )
    parser = _Parser(_lex(text))
    node = parser.query()
    if parser.peek() == "close":
        raise QuerySyntaxError(
            "unbalanced parenthesis: a ')' has no '('", "Thừa dấu ngoặc đóng ')': không có dấu '(' tương ứng."
        )
    if node is not None and not _positive(node):
        raise QuerySyntaxError(
            "the query only excludes: add at least one word to look for (write: bão -lũ)",
            "Truy vấn chỉ có phần loại trừ: hãy thêm ít nhất một từ cần tìm (ví dụ: bão -lũ).",
        )
    return node


def positive_words(node: Node | None) -> list[Word]:
    """The words a hit may contain (not those under NOT): what highlights and accent ranking use."""
    if node is None or isinstance(node, Not):
        return []
    if isinstance(node, Word):
        return [node]
    return [word for child in node.children for word in positive_words(child)]


def highlight_clauses(node: Node | None) -> list[Clause]:
    return [Clause(word.tokens, word.phrase) for word in positive_words(node)]


def to_fts5(node: Node) -> str:
    """An FTS5 MATCH expression: every word quoted (no user operator survives), groups in parentheses.
    FTS5's NOT is binary, so a group's exclusions follow its required part: (a AND b) NOT c NOT d."""
    if isinstance(node, Word):
        return '"' + " ".join(node.tokens) + '"'
    if isinstance(node, Or):
        return "(" + " OR ".join(to_fts5(child) for child in node.children) + ")"
    if isinstance(node, Not):  # only reached inside an And (parse rejects a lone exclusion)
        return to_fts5(node.child)
    required = [child for child in node.children if not isinstance(child, Not)]
    excluded = [child for child in node.children if isinstance(child, Not)]
    expression = "(" + " AND ".join(to_fts5(child) for child in required) + ")"
    for child in excluded:
        expression += " NOT " + to_fts5(child.child)
    return "(" + expression + ")" if excluded else expression


def has_diacritics(text: str) -> bool:
    """Whether the user typed Vietnamese marks (then exact-accent matches rank first)."""
    lowered = unicodedata.normalize("NFC", text.lower())
    return _plain(lowered) != lowered


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d"))
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn"))


@lru_cache(maxsize=256)
def _exact_pattern(typed: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in unicodedata.normalize("NFC", typed.lower()).split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)")


def exact_accent_count(node: Node | None, texts: list[str]) -> int:
    """How many of the query's accented words/phrases appear in `texts` exactly as typed (marks and
    all, any case): the first key of the accent ranking ("bão" puts "Bão số 5" before "Bảo tồn")."""
    accented = [word for word in positive_words(node) if has_diacritics(word.typed)]
    if not accented:
        return 0
    haystack = unicodedata.normalize("NFC", "\n".join(texts).lower())
    return sum(1 for word in accented if _exact_pattern(word.typed).search(haystack))
