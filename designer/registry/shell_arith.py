"""Find the placeholders of a command template that bash would evaluate as arithmetic (pure).

Bash evaluates array subscripts inside arithmetic, and a subscript may hold `$(...)`: a
value like `a[$(touch /tmp/x)]` runs a command wherever bash does arithmetic on it, even
when the value is quoted. So a placeholder in an arithmetic context is marked, and only
numeric input ports may sit there (spec.py), with the value checked again at render.

The scan works on a *skeleton*: the template with every placeholder replaced by a
sentinel word. It errs on the side of calling a context arithmetic: a false positive
refuses a spec, a false negative would run a value as code. bashlex, the one maintained
Python bash parser, does not parse `(( ))`, `$(( ))` or `[[ ]]`, so it cannot decide this.
"""

from __future__ import annotations

import re

SENTINEL = "__conveyor_placeholder_{}__"
_SENTINEL_RE = re.compile(r"__conveyor_placeholder_(\d+)__")

# A command word: at the start of a line or after a command separator / keyword opener.
_CMD = r"(?:^|(?<=[;&|(){}\n`])|(?<=\bthen)|(?<=\bdo)|(?<=\belse)|(?<=\btime)|(?<=!))\s*"
_LET_RE = re.compile(_CMD + r"let\s+(?P<args>[^;&|\n)`]*)", re.MULTILINE)
_DECLARE_RE = re.compile(
    _CMD + r"(?:declare|typeset|local|readonly|export)\s+(?P<args>[^;&|\n)`]*)", re.MULTILINE
)
_INT_OPTION_RE = re.compile(r"(?:^|\s)[-+][A-Za-z]*i[A-Za-z]*(?=\s|$)")
_ASSIGNED_NAME_RE = re.compile(r"(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)(?==|\+=|\s|$)")
_COND_RE = re.compile(r"\[\[(?P<body>\s.*?\s)\]\]", re.DOTALL)
_COND_ARITH_OP_RE = re.compile(r"(?:^|\s)-(?:eq|ne|lt|le|gt|ge|v)(?=\s)")
_SUBSCRIPT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\[(?P<inside>[^\]\s]*)")

CONTEXTS = {
    "paren": "an arithmetic expression `(( ))` or `$(( ))`",
    "let": "a `let` command",
    "declare": "a `declare -i` (integer) assignment",
    "cond": "an arithmetic test in `[[ ]]` (-eq, -ne, -lt, -le, -gt, -ge, -v)",
    "subscript": "an array subscript `name[...]`",
}


def arithmetic_placeholders(skeleton: str) -> dict[int, str]:
    """Map the index of every placeholder in an arithmetic context to that context's name.

    skeleton: the command with placeholder n written as SENTINEL.format(n).
    """
    found: dict[int, str] = {}

    def mark(text: str, context: str) -> None:
        for match in _SENTINEL_RE.finditer(text):
            found.setdefault(int(match.group(1)), context)

    for start, end in _double_paren_spans(skeleton):
        mark(skeleton[start:end], "paren")
    for match in _LET_RE.finditer(skeleton):
        mark(match.group("args"), "let")
    integers: set[str] = set()
    for match in _DECLARE_RE.finditer(skeleton):
        args = match.group("args")
        if _INT_OPTION_RE.search(args):
            mark(args, "declare")
            integers.update(_ASSIGNED_NAME_RE.findall(_INT_OPTION_RE.sub(" ", args)))
    for name in integers:
        for match in re.finditer(rf"(?<![\w$]){re.escape(name)}\+?=(\S*)", skeleton):
            mark(match.group(1), "declare")
    for match in _COND_RE.finditer(skeleton):
        if _COND_ARITH_OP_RE.search(match.group("body")):
            mark(match.group("body"), "cond")
    for match in _SUBSCRIPT_RE.finditer(skeleton):
        mark(match.group("inside"), "subscript")
    return found


def _double_paren_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) of every `((...))` or `$((...))`, matched by counting parentheses."""
    spans: list[tuple[int, int]] = []
    at = text.find("((")
    while at >= 0:
        depth, i = 0, at
        while i < len(text):
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
            if depth == 0:
                break
        spans.append((at, i))
        at = text.find("((", max(i, at + 2))
    return spans
