"""Filter rows with a tiny, safe condition language (no eval, no DataFrame.query).

Grammar (keywords are case-insensitive):

    expr       := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := operand [ (== | != | < | <= | > | >=) operand
                           | ["not"] "in" list ]
    operand    := column | number | string | true | false | "(" expr ")"
    list       := ("(" | "[") literal ("," literal)* [","] (")" | "]")
    column     := identifier | `any text in backticks`

A bare operand is accepted only when it is a boolean column or a parenthesized condition.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

COMPARISONS = ("==", "!=", "<=", ">=", "<", ">")
KEYWORDS = {"and", "or", "not", "in", "true", "false"}
TOKEN_RE = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<quoted>`[^`]+`)
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<op>==|!=|<=|>=|<|>)
  | (?P<punct>[()\[\],])
    """,
    re.VERBOSE,
)
MAX_LENGTH = 10_000


class ExpressionError(ValueError):
    """The expression is not in the grammar, or does not fit the table."""


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, column, keyword, op, punct, end
    value: Any
    at: int


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression is longer than {MAX_LENGTH} characters")
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = TOKEN_RE.match(text, pos)
        if match is None:
            hint = ""
            if text[pos] == "=":
                hint = " (use == to compare)"
            elif text[pos] in "&|":
                hint = " (use and / or)"
            raise ExpressionError(f"unexpected {text[pos]!r} at character {pos + 1}{hint}")
        kind, value = match.lastgroup, match.group()
        if kind == "number":
            number = float(value)
            tokens.append(Token("number", int(number) if number.is_integer() else number, pos))
        elif kind == "string":
            body = value[1:-1]
            tokens.append(Token("string", re.sub(r"\\(.)", r"\1", body), pos))
        elif kind == "quoted":
            tokens.append(Token("column", value[1:-1], pos))
        elif kind == "name":
            lower = value.lower()
            tokens.append(
                Token("keyword", lower, pos) if lower in KEYWORDS else Token("column", value, pos)
            )
        elif kind in ("op", "punct"):
            tokens.append(Token(kind, value, pos))
        pos = match.end()
    tokens.append(Token("end", None, len(text)))
    return tokens


# The tree: ("or"|"and", a, b), ("not", a), ("cmp", op, a, b), ("in", a, values, negate),
# ("column", name), ("literal", value).
Node = tuple


class Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.token
        self.index += 1
        return token

    def accept(self, kind: str, value: Any = None) -> Token | None:
        token = self.token
        if token.kind == kind and (value is None or token.value == value):
            return self.take()
        return None

    def expect(self, kind: str, value: Any, what: str) -> Token:
        token = self.accept(kind, value)
        if token is None:
            raise self.error(f"expected {what}")
        return token

    def error(self, message: str) -> ExpressionError:
        token = self.token
        found = "the end" if token.kind == "end" else repr(str(token.value))
        return ExpressionError(f"{message} at character {token.at + 1}, found {found}")

    def parse(self) -> Node:
        if self.token.kind == "end":
            raise ExpressionError("expression is empty")
        node = self.or_expr()
        if self.token.kind != "end":
            raise self.error("expected and / or or the end of the expression")
        return node

    def or_expr(self) -> Node:
        node = self.and_expr()
        while self.accept("keyword", "or"):
            node = ("or", node, self.and_expr())
        return node

    def and_expr(self) -> Node:
        node = self.not_expr()
        while self.accept("keyword", "and"):
            node = ("and", node, self.not_expr())
        return node

    def not_expr(self) -> Node:
        if self.accept("keyword", "not"):
            return ("not", self.not_expr())
        return self.comparison()

    def comparison(self) -> Node:
        left = self.operand()
        if (op := self.accept("op")) is not None:
            return ("cmp", op.value, left, self.operand())
        if self.accept("keyword", "in"):
            return ("in", left, self.literal_list(), False)
        if self.token.kind == "keyword" and self.token.value == "not":
            self.take()
            self.expect("keyword", "in", "`in` after `not`")
            return ("in", left, self.literal_list(), True)
        return left

    def operand(self) -> Node:
        token = self.token
        if token.kind == "column":
            self.take()
            return ("column", token.value)
        if token.kind in ("number", "string"):
            self.take()
            return ("literal", token.value)
        if token.kind == "keyword" and token.value in ("true", "false"):
            self.take()
            return ("literal", token.value == "true")
        if self.accept("punct", "("):
            self.depth += 1
            if self.depth > 50:
                raise self.error("parentheses nested too deeply")
            node = self.or_expr()
            self.expect("punct", ")", "`)`")
            self.depth -= 1
            return ("group", node)
        raise self.error("expected a column name, a number, a 'string' or `(`")

    def literal_list(self) -> list[Any]:
        opener = self.accept("punct", "(") or self.accept("punct", "[")
        if opener is None:
            raise self.error("expected a list such as ('a', 'b') after `in`")
        closer = ")" if opener.value == "(" else "]"
        values: list[Any] = []
        while not self.accept("punct", closer):
            token = self.token
            if token.kind in ("number", "string"):
                values.append(self.take().value)
            elif token.kind == "keyword" and token.value in ("true", "false"):
                values.append(self.take().value == "true")
            else:
                raise self.error("a list may hold only numbers, 'strings', true and false")
            if not self.accept("punct", ","):
                self.expect("punct", closer, f"`,` or `{closer}`")
                break
        return values


def parse(text: str) -> Node:
    return Parser(text).parse()


def _value(node: Node, frame: pd.DataFrame) -> Any:
    kind = node[0]
    if kind == "column":
        if node[1] not in frame.columns:
            raise ExpressionError(f"no column {node[1]!r}; the table has {list(frame.columns)}")
        return frame[node[1]]
    if kind == "literal":
        return node[1]
    return _mask(node, frame)


def _describe(node: Node) -> str:
    return f"column {node[1]!r}" if node[0] == "column" else repr(node[1])


def _check_comparable(op: str, a: Node, b: Node, va: Any, vb: Any) -> None:
    def numeric(v: Any) -> bool:
        if isinstance(v, pd.Series):
            return is_numeric_dtype(v) and not is_bool_dtype(v)
        return isinstance(v, int | float) and not isinstance(v, bool)

    def text(v: Any) -> bool:
        return isinstance(v, str) or (isinstance(v, pd.Series) and not is_numeric_dtype(v))

    if (numeric(va) and text(vb)) or (text(va) and numeric(vb)):
        raise ExpressionError(
            f"cannot compare {_describe(a)} with {_describe(b)} using {op}: "
            "one is a number and the other text"
        )


def _mask(node: Node, frame: pd.DataFrame) -> pd.Series:
    kind = node[0]
    if kind == "group":
        return _as_mask(node[1], frame)
    if kind in ("and", "or"):
        a, b = _as_mask(node[1], frame), _as_mask(node[2], frame)
        return (a & b) if kind == "and" else (a | b)
    if kind == "not":
        return ~_as_mask(node[1], frame)
    if kind == "in":
        series = _value(node[1], frame)
        if not isinstance(series, pd.Series):
            raise ExpressionError("the left side of `in` must be a column")
        values = list(node[2])
        if is_numeric_dtype(series) and any(isinstance(v, str) for v in values):
            raise ExpressionError(f"column {node[1][1]!r} is numeric but the `in` list holds text")
        if not is_numeric_dtype(series):
            values = [str(v) for v in values]
        hit = series.isin(values)
        return ~hit if node[3] else hit
    if kind == "cmp":
        op, a, b = node[1], node[2], node[3]
        va, vb = _value(a, frame), _value(b, frame)
        _check_comparable(op, a, b, va, vb)
        if not isinstance(va, pd.Series) and not isinstance(vb, pd.Series):
            raise ExpressionError(f"{op} compares two constants; one side must be a column")
        result = {
            "==": lambda: va == vb,
            "!=": lambda: va != vb,
            "<": lambda: va < vb,
            "<=": lambda: va <= vb,
            ">": lambda: va > vb,
            ">=": lambda: va >= vb,
        }[op]()
        return result.fillna(False).astype(bool)
    raise ExpressionError(f"cannot evaluate {kind}")


def _as_mask(node: Node, frame: pd.DataFrame) -> pd.Series:
    if node[0] == "column":
        series = _value(node, frame)
        if not is_bool_dtype(series):
            raise ExpressionError(
                f"column {node[1]!r} is not true/false; compare it, e.g. {node[1]} == ..."
            )
        return series.fillna(False).astype(bool)
    if node[0] == "literal":
        raise ExpressionError(f"{node[1]!r} alone is not a condition")
    return _mask(node, frame)


def evaluate(text: str, frame: pd.DataFrame) -> pd.Series:
    """The boolean mask of the rows of `frame` that meet the condition `text`."""
    return _as_mask(parse(text), frame)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--input", required=True)
    parser.add_argument("--expression", required=True)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    frame = pd.read_csv(Path(args.input) / "data.csv")
    try:
        mask = evaluate(args.expression, frame)
    except ExpressionError as exc:
        sys.exit(f"expression: {exc}")
    except TypeError as exc:
        sys.exit(f"expression: the values cannot be compared: {exc}")
    result = frame[mask]
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    result.to_csv(out / "data.csv", index=False)
    print(f"kept {len(result)} of {len(frame)} rows matching: {args.expression}")


if __name__ == "__main__":
    main()
