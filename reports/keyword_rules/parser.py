"""The keyword-rule language: a hand-written recursive-descent parser.

Why not pyparsing or luqum: the grammar is six productions, the errors must name the exact
character position in words a marketing user understands ("AND at position 12 needs a term
after it"), and bare adjacency must mean AND. A generic grammar library reports its own
terms ("Expected W:(...)") and luqum brings Lucene's syntax (fields, ranges, boosts) that we
would then have to refuse. Fifty lines of descent are easier to keep exact.

Grammar (operators in capitals; lower-case "and", "or", "not" are ordinary words):

    query   := or
    or      := and ("OR" and)*
    and     := not (["AND"] not)*          bare adjacency = AND
    not     := ("NOT" | "-") not | near
    near    := primary ("NEAR/" n primary)*
    primary := word | word* | "a phrase" | "(" query ")"
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from reports.keyword_rules.matcher import Document, Span, fold, near_spans

MAX_LENGTH = 2000
MAX_DEPTH = 20
MAX_NEAR = 100
MIN_PREFIX = 2
OPERATORS = ("AND", "OR", "NOT")
NEAR = re.compile(r"NEAR(?:/(.*))?$", re.IGNORECASE)
WORD = re.compile(r"\w+")


class QueryError(ValueError):
    """A malformed expression; ``position`` is 1-based, counted in characters."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (position {position})")
        self.message = message
        self.position = position


@dataclass(frozen=True)
class Token:
    kind: str  # "word", "phrase", "(", ")", "AND", "OR", "NOT", "NEAR", "end"
    text: str
    position: int  # 1-based
    distance: int = 0


# --- the compiled query --------------------------------------------------------------------


class Node:
    positional = False

    def matches(self, document: Document) -> bool:
        raise NotImplementedError

    def spans(self, document: Document) -> list[Span]:
        raise NotImplementedError


@dataclass
class Phrase(Node):
    """One word (a one-word phrase) or consecutive words; each may be a ``prefix*``."""

    parts: tuple[tuple[str, bool], ...]
    positional = True

    def spans(self, document: Document) -> list[Span]:
        (first, first_prefix), rest = self.parts[0], self.parts[1:]
        starts = document.word_positions(first, first_prefix)
        if not rest:
            return [(start, start + 1) for start in starts]
        later = [set(document.word_positions(word, prefix)) for word, prefix in rest]
        length = len(self.parts)
        return [
            (start, start + length)
            for start in starts
            if all(start + offset in places for offset, places in enumerate(later, 1))
        ]

    def matches(self, document: Document) -> bool:
        if len(self.parts) == 1:
            return bool(document.word_positions(*self.parts[0]))
        return bool(self.spans(document))


@dataclass
class Near(Node):
    left: Node
    right: Node
    distance: int
    positional = True

    def spans(self, document: Document) -> list[Span]:
        return near_spans(self.left.spans(document), self.right.spans(document), self.distance)

    def matches(self, document: Document) -> bool:
        return bool(self.spans(document))


@dataclass
class Or(Node):
    children: list[Node]

    @property
    def positional(self) -> bool:  # type: ignore[override]
        return all(child.positional for child in self.children)

    def spans(self, document: Document) -> list[Span]:
        return sorted({span for child in self.children for span in child.spans(document)})

    def matches(self, document: Document) -> bool:
        return any(child.matches(document) for child in self.children)


@dataclass
class And(Node):
    children: list[Node]

    def matches(self, document: Document) -> bool:
        return all(child.matches(document) for child in self.children)


@dataclass
class Not(Node):
    child: Node

    def matches(self, document: Document) -> bool:
        return not self.child.matches(document)


@dataclass
class Query:
    """A parsed expression: compile once, match many articles."""

    expression: str
    root: Node

    def matches(self, document: Document) -> bool:
        return self.root.matches(document)


# --- scanning ------------------------------------------------------------------------------


def _word_token(raw: str, position: int) -> Token:
    if raw in OPERATORS:
        return Token(raw, raw, position)
    near = NEAR.match(raw)
    if near:
        if not (near.group(1) or "").isdigit():
            raise QueryError(f"{raw} needs a distance in words, e.g. NEAR/5", position)
        distance = int(near.group(1))
        if not 1 <= distance <= MAX_NEAR:
            raise QueryError(f"The NEAR distance must be between 1 and {MAX_NEAR}", position)
        return Token("NEAR", raw, position, distance)
    return Token("word", raw, position)


def tokenize(expression: str) -> list[Token]:
    tokens: list[Token] = []
    index, length = 0, len(expression)
    while index < length:
        char = expression[index]
        if char.isspace():
            index += 1
        elif char in "()":
            tokens.append(Token(char, char, index + 1))
            index += 1
        elif char == '"':
            end = expression.find('"', index + 1)
            if end == -1:
                raise QueryError("This quote is never closed", index + 1)
            tokens.append(Token("phrase", expression[index + 1 : end], index + 1))
            index = end + 1
        else:
            end = index
            while end < length and not (expression[end].isspace() or expression[end] in '()"'):
                end += 1
            raw = expression[index:end]
            if raw.startswith("-") and len(raw) > 1:  # -word: the web-search way to say NOT.
                tokens.append(Token("NOT", "-", index + 1))
                raw, index = raw[1:], index + 1
            tokens.append(_word_token(raw, index + 1))
            index = end
    tokens.append(Token("end", "", length + 1))
    return tokens


def _parts(token: Token) -> tuple[tuple[str, bool], ...]:
    """The words a term or phrase matches, folded like the article; ``*`` ends a word only."""
    parts: list[tuple[str, bool]] = []
    for chunk in token.text.split():
        prefix = chunk.endswith("*")
        body = chunk.rstrip("*") if prefix else chunk
        if "*" in body:
            where = token.position + token.text.index("*") + (token.kind == "phrase")
            raise QueryError("A * wildcard can only end a word, e.g. electri*", where)
        pieces = WORD.findall(fold(body))
        if not pieces:
            what = "This phrase" if token.kind == "phrase" else f"“{chunk}”"
            raise QueryError(f"{what} has no letters or digits to match", token.position)
        if prefix and len(pieces[-1]) < MIN_PREFIX:
            raise QueryError(
                f"A wildcard needs at least {MIN_PREFIX} letters before the *", token.position
            )
        parts.extend((piece, False) for piece in pieces[:-1])
        parts.append((pieces[-1], prefix))
    if not parts:
        raise QueryError("This phrase is empty", token.position)
    return tuple(parts)


# --- parsing -------------------------------------------------------------------------------


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    @property
    def peek(self) -> Token:
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def starts_operand(self) -> bool:
        return self.peek.kind in ("word", "phrase", "(", "NOT")

    def operand(self, operator: Token, parse: Callable[[], Node]) -> Node:
        if not self.starts_operand():
            raise QueryError(f"{operator.text} needs a term after it", operator.position)
        return parse()

    def nest(self, position: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(f"The expression nests deeper than {MAX_DEPTH} levels", position)

    def query(self) -> Node:
        children = [self.and_()]
        while self.peek.kind == "OR":
            operator = self.take()
            children.append(self.operand(operator, self.and_))
        return children[0] if len(children) == 1 else Or(children)

    def and_(self) -> Node:
        children = [self.not_()]
        while True:
            if self.peek.kind == "AND":
                operator = self.take()
                children.append(self.operand(operator, self.not_))
            elif self.starts_operand():
                children.append(self.not_())
            else:
                break
        return children[0] if len(children) == 1 else And(children)

    def not_(self) -> Node:
        if self.peek.kind != "NOT":
            return self.near()
        operator = self.take()
        self.nest(operator.position)
        child = self.operand(operator, self.not_)
        self.depth -= 1
        return Not(child)

    def near(self) -> Node:
        start = self.peek
        node = self.primary()
        while self.peek.kind == "NEAR":
            operator = self.take()
            if self.peek.kind not in ("word", "phrase", "("):
                raise QueryError(f"{operator.text} needs a term after it", operator.position)
            right_start = self.peek
            right = self.primary()
            for side, token in ((node, start), (right, right_start)):
                if not side.positional:
                    raise QueryError(
                        "NEAR joins words, phrases or (a OR b) groups, not AND or NOT",
                        token.position,
                    )
            node = Near(node, right, operator.distance)
        return node

    def primary(self) -> Node:
        token = self.take()
        if token.kind in ("word", "phrase"):
            return Phrase(_parts(token))
        if token.kind == "(":
            self.nest(token.position)
            if self.peek.kind == ")":
                raise QueryError("These parentheses are empty", token.position)
            node = self.query()
            if self.peek.kind != ")":
                if self.peek.kind == "end":
                    raise QueryError("This parenthesis is never closed", token.position)
                raise QueryError(f"Unexpected “{self.peek.text}”", self.peek.position)
            self.take()
            self.depth -= 1
            return node
        if token.kind == "end":
            raise QueryError("The expression ends where a term was expected", token.position)
        if token.kind == ")":
            raise QueryError("This ) closes no parenthesis", token.position)
        raise QueryError(f"{token.text} needs a term before it", token.position)


def parse(expression: str) -> Query:
    """Compile ``expression``; raises QueryError naming the position of the first problem."""
    if len(expression) > MAX_LENGTH:
        raise QueryError(f"The expression is longer than {MAX_LENGTH:,} characters", MAX_LENGTH + 1)
    if not expression.strip():
        raise QueryError("The expression is empty", 1)
    parser = _Parser(tokenize(expression))
    root = parser.query()
    if parser.peek.kind != "end":
        token = parser.peek
        if token.kind == ")":
            raise QueryError("This ) closes no parenthesis", token.position)
        raise QueryError(f"Unexpected “{token.text}”", token.position)
    return Query(expression, root)
