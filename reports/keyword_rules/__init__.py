"""Keyword rules: a small boolean query language matched on an article's title and text.

Pure code (no Django): ``parse`` turns an expression into a compiled ``Query`` once per rule,
``Document`` indexes an article's words once, and ``Query.matches(document)`` answers in
microseconds, so every enabled rule can be checked on every article before analysis.
"""

from reports.keyword_rules.matcher import Document
from reports.keyword_rules.parser import (
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NEAR,
    Query,
    QueryError,
    parse,
)
from reports.keyword_rules.rule import CompiledRule

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_NEAR",
    "CompiledRule",
    "Document",
    "Query",
    "QueryError",
    "parse",
]
