"""Parse and render Azure ML command templates: `${{inputs.x}}` and `$[[ ... ]]` (pure)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

from designer.registry.shell_arith import CONTEXTS as ARITHMETIC_CONTEXTS
from designer.registry.shell_arith import SENTINEL, arithmetic_placeholders

_MARKER_RE = re.compile(r"\$\{\{|\$\[\[|\]\]")
REFERENCE_RE = re.compile(r"^(inputs|outputs)\.([A-Za-z_][A-Za-z0-9_]*)$")
# What a value in an arithmetic context may be: a decimal number or a rendered boolean.
NUMERIC_RE = re.compile(
    r"\A(?:-?[0-9]{1,30}(?:\.[0-9]{1,30})?(?:[eE][-+]?[0-9]{1,3})?|True|False)\Z"
)

# Quoting contexts where a shell-quoted value stays one literal word. Anything else
# (a comment, backticks, `${...}`, `$'...'`, a heredoc body, right after `\` or `$`) could
# let a crafted value run code, so a placeholder there is refused.
SAFE_CONTEXTS = frozenset({"plain", "double", "single"})

_CODE_LIKE = frozenset({"top", "subst", "paren", "backtick", "brace"})
_CONTEXT_NAMES = {
    "top": "plain",
    "subst": "plain",
    "paren": "plain",
    "double": "double",
    "single": "single",
    "comment": "a shell comment",
    "backtick": "backticks",
    "brace": "a ${...} expansion",
    "ansi": "a $'...' string",
}
_UNCLOSED = frozenset({"single", "double", "ansi", "backtick", "brace"})
_WORD_BREAKS = frozenset(" \t\n;&|()<>")


class CommandSyntaxError(ValueError):
    """The command template is malformed (unclosed `${{`, nested or unclosed `$[[`)."""


class CommandRenderError(ValueError):
    """A command cannot be rendered with the given values."""


@dataclass(frozen=True)
class Placeholder:
    """One `${{ expression }}`; `context` is the shell quoting context it sits in."""

    expression: str
    context: str = "plain"
    # Set when bash would evaluate the value as arithmetic: the key of ARITHMETIC_CONTEXTS.
    arithmetic: str | None = None

    @property
    def kind(self) -> str | None:
        """`inputs` or `outputs`, or None for any other expression."""
        match = REFERENCE_RE.match(self.expression)
        return match.group(1) if match else None

    @property
    def name(self) -> str | None:
        match = REFERENCE_RE.match(self.expression)
        return match.group(2) if match else None

    @property
    def is_safe(self) -> bool:
        return self.context in SAFE_CONTEXTS

    @property
    def arithmetic_context(self) -> str | None:
        """A human description of the arithmetic context, or None outside arithmetic."""
        return ARITHMETIC_CONTEXTS[self.arithmetic] if self.arithmetic else None


@dataclass(frozen=True)
class OptionalBlock:
    """One `$[[ ... ]]` block; `bare` marks the `$[[inputs.x]]` shorthand without `${{ }}`."""

    parts: tuple[str | Placeholder, ...]
    bare: bool = False

    @property
    def placeholders(self) -> tuple[Placeholder, ...]:
        return tuple(p for p in self.parts if isinstance(p, Placeholder))


Segment = str | Placeholder | OptionalBlock


class _ShellScanner:
    """Tracks bash quoting state over template text, so a value is quoted for where it lands."""

    def __init__(self) -> None:
        self.stack: list[str] = ["top"]
        self.prev = "\n"
        self.escape = False
        self.heredoc = False

    @property
    def context(self) -> str:
        top = self.stack[-1]
        if self.heredoc:
            return "a heredoc"
        if self.escape:
            return "right after a backslash"
        if self.prev == "$" and top not in ("single", "comment"):
            return "right after a `$`"
        return _CONTEXT_NAMES[top]

    def state(self) -> tuple[tuple[str, ...], bool]:
        return tuple(self.stack), self.heredoc

    def feed_word(self) -> None:
        """Note that a substituted value (a plain word) was emitted."""
        self.prev = "_"

    def feed(self, text: str) -> None:
        i = 0
        while i < len(text):
            i = self._step(text, i)

    def _step(self, text: str, i: int) -> int:
        char = text[i]
        if self.heredoc:
            return len(text)
        if self.escape:
            self.escape = False
            self.prev = "_"
            return i + 1
        top = self.stack[-1]
        if top == "single":
            self._pop_if(char == "'")
        elif top == "comment":
            self._pop_if(char == "\n")
        elif top == "ansi":
            self.escape = char == "\\"
            self._pop_if(char == "'")
        elif top == "double":
            return self._step_double(text, i)
        else:
            return self._step_code(text, i)
        self.prev = char
        return i + 1

    def _pop_if(self, condition: bool) -> None:
        if condition:
            self.stack.pop()

    def _step_double(self, text: str, i: int) -> int:
        char, nxt = text[i], text[i + 1 : i + 2]
        self.prev = char
        if char == "\\":
            self.escape = True
        elif char == '"':
            self.stack.pop()
        elif char == "`":
            self.stack.append("backtick")
        elif char == "$" and nxt in ("(", "{"):
            self.stack.append("subst" if nxt == "(" else "brace")
            self.prev = nxt
            return i + 2
        return i + 1

    def _step_code(self, text: str, i: int) -> int:
        char, nxt, top = text[i], text[i + 1 : i + 2], self.stack[-1]
        pushes = {"'": "single", '"': "double"}
        if char == "\\":
            self.escape = True
        elif char in pushes:
            self.stack.append(pushes[char])
        elif char == "`" and top == "backtick":
            self.stack.pop()
        elif char == "`":
            self.stack.append("backtick")
        elif char == "$" and nxt in ("(", "{", "'"):
            self.stack.append({"(": "subst", "{": "brace", "'": "ansi"}[nxt])
            self.prev = nxt
            return i + 2
        elif char == "(":
            self.stack.append("paren")
        elif (char == ")" and top in ("subst", "paren")) or (char == "}" and top == "brace"):
            self.stack.pop()
        elif char == "#" and self.prev in _WORD_BREAKS:
            self.stack.append("comment")
        elif char == "<" and nxt == "<":
            # `<<<` is a here-string (one word, safe); `<<` starts a heredoc whose body
            # expands `$(...)` without honouring quotes, so nothing after it is safe.
            if text[i + 2 : i + 3] == "<":
                self.prev = "<"
                return i + 3
            self.heredoc = True
        self.prev = char
        return i + 1

    def unclosed(self) -> bool:
        return bool(_UNCLOSED.intersection(self.stack))


def parse_command(command: str) -> list[Segment]:
    """Split a command template into text, placeholders and optional blocks.

    command: the component's `command` string.
    Raises CommandSyntaxError for an unclosed `${{`, a nested or unclosed `$[[`, a block
    that leaves a quote open, or a command that ends inside a quote.
    """
    if "\x00" in command:
        raise CommandSyntaxError(f"a NUL character at character {command.index(chr(0)) + 1}")
    parser = _Parser()
    i = 0
    while i < len(command):
        match = _MARKER_RE.search(command, i)
        start = match.start() if match else len(command)
        if start > i:
            parser.text(command[i:start])
        if match is None:
            break
        i = parser.marker(command, match)
    return parser.finish()


class _Parser:
    """Builds segments while the scanner follows the shell quoting state."""

    def __init__(self) -> None:
        self.scanner = _ShellScanner()
        self.segments: list[Segment] = []
        self.block: list[str | Placeholder] | None = None
        self.block_state = self.scanner.state()
        # The command with each placeholder as a sentinel word, for the arithmetic scan.
        self.skeleton: list[str] = []
        self.count = 0
        self.block_start = 0

    def _target(self) -> list[Segment] | list[str | Placeholder]:
        return self.segments if self.block is None else self.block

    def text(self, text: str) -> None:
        target = self._target()
        if target and isinstance(target[-1], str):
            target[-1] += text
        else:
            target.append(text)
        self.scanner.feed(text)
        self.skeleton.append(text)

    def marker(self, command: str, match: re.Match[str]) -> int:
        marker, at = match.group(), match.start()
        if marker == "${{":
            end = command.find("}}", at + 3)
            if end < 0:
                raise CommandSyntaxError(f"`${{{{` at character {at + 1} is never closed by `}}}}`")
            self._target().append(Placeholder(command[at + 3 : end].strip(), self.scanner.context))
            self.scanner.feed_word()
            self._sentinel()
            return end + 2
        if marker == "$[[":
            if self.block is not None:
                raise CommandSyntaxError(f"`$[[` at character {at + 1} is nested in another block")
            self.block, self.block_state = [], self.scanner.state()
            self.block_start = len(self.skeleton)
        elif self.block is None:
            self.text(marker)  # a `]]` outside a block is plain shell, e.g. `[[ -f x ]]`
        else:
            if self.scanner.state() != self.block_state:
                raise CommandSyntaxError("an optional block `$[[ ... ]]` leaves a quote open")
            block = _close_block(self.block, self.block_state)
            if block.bare:
                del self.skeleton[self.block_start :]
                self._sentinel()
            self.segments.append(block)
            self.block = None
        return at + len(marker)

    def _sentinel(self) -> None:
        self.skeleton.append(SENTINEL.format(self.count))
        self.count += 1

    def finish(self) -> list[Segment]:
        if self.block is not None:
            raise CommandSyntaxError("an optional block `$[[` is never closed by `]]`")
        if self.scanner.unclosed():
            raise CommandSyntaxError("the command ends inside an unclosed quote or expansion")
        arithmetic = arithmetic_placeholders("".join(self.skeleton))
        if not arithmetic:
            return self.segments
        numbered = iter(range(self.count))

        def mark(placeholder: Placeholder) -> Placeholder:
            return replace(placeholder, arithmetic=arithmetic.get(next(numbered)))

        marked: list[Segment] = []
        for segment in self.segments:
            if isinstance(segment, Placeholder):
                marked.append(mark(segment))
            elif isinstance(segment, OptionalBlock):
                parts = tuple(p if isinstance(p, str) else mark(p) for p in segment.parts)
                marked.append(replace(segment, parts=parts))
            else:
                marked.append(segment)
        return marked


def _close_block(
    parts: list[str | Placeholder], state: tuple[tuple[str, ...], bool]
) -> OptionalBlock:
    # Real-world files write `$[[inputs.x]]`; treat it as `$[[${{inputs.x}}]]`.
    if len(parts) == 1 and isinstance(parts[0], str) and REFERENCE_RE.match(parts[0].strip()):
        scanner = _ShellScanner()
        scanner.stack, scanner.heredoc = list(state[0]), state[1]
        return OptionalBlock((Placeholder(parts[0].strip(), scanner.context),), bare=True)
    return OptionalBlock(tuple(parts))


def iter_placeholders(command: str) -> Iterator[tuple[Placeholder, bool]]:
    """Yield every placeholder with whether it sits inside an optional block.

    command: the component's `command` string (raises CommandSyntaxError if malformed).
    """
    for segment in parse_command(command):
        if isinstance(segment, Placeholder):
            yield segment, False
        elif isinstance(segment, OptionalBlock):
            for placeholder in segment.placeholders:
                yield placeholder, True


def referenced_ports(command: str) -> set[tuple[str, str]]:
    """Return the (kind, name) pairs the command refers to, kind being inputs or outputs.

    command: the component's `command` string (raises CommandSyntaxError if malformed).
    """
    return {
        (p.kind, p.name) for p, _ in iter_placeholders(command) if p.kind and p.name is not None
    }


def optional_blocks(command: str) -> list[OptionalBlock]:
    """Return the `$[[ ... ]]` blocks of a command, in order.

    command: the component's `command` string (raises CommandSyntaxError if malformed).
    """
    return [s for s in parse_command(command) if isinstance(s, OptionalBlock)]


def render_command(
    command: str, *, inputs: Mapping[str, str | None], outputs: Mapping[str, str]
) -> str:
    """Render a command, shell-quoting every value so that no value can run a command.

    command: the component's `command` string.
    inputs: input name -> value as a string (booleans as "True"/"False"); None or a missing
        name means unset, which drops any `$[[ ... ]]` block that uses it.
    outputs: output name -> path.
    Raises CommandRenderError for an unset input outside a block, an unknown output, an
    unknown reference or a placeholder in an unsafe quoting context.
    """
    rendered: list[str] = []
    for segment in parse_command(command):
        if isinstance(segment, str):
            rendered.append(segment)
        elif isinstance(segment, Placeholder):
            value = _lookup(segment, inputs, outputs)
            if value is None:
                raise CommandRenderError(
                    f"input {segment.name!r} has no value and is outside an optional block"
                )
            rendered.append(_quote(value, segment))
        elif all(_lookup(p, inputs, outputs) is not None for p in segment.placeholders):
            rendered.append(_render_block(segment, inputs, outputs))
    return "".join(rendered)


def _render_block(
    block: OptionalBlock, inputs: Mapping[str, str | None], outputs: Mapping[str, str]
) -> str:
    rendered: list[str] = []
    for part in block.parts:
        if isinstance(part, str):
            rendered.append(part)
        else:
            value = _lookup(part, inputs, outputs)
            assert value is not None  # the caller drops blocks with an unset input
            rendered.append(_quote(value, part))
    return "".join(rendered)


def _lookup(
    placeholder: Placeholder, inputs: Mapping[str, str | None], outputs: Mapping[str, str]
) -> str | None:
    kind, name = placeholder.kind, placeholder.name
    if kind is None or name is None:
        raise CommandRenderError(f"unknown reference `${{{{{placeholder.expression}}}}}`")
    if not placeholder.is_safe:
        raise CommandRenderError(
            f"`${{{{{placeholder.expression}}}}}` sits in {placeholder.context}, "
            "where a value cannot be quoted safely"
        )
    if kind == "outputs":
        if name not in outputs:
            raise CommandRenderError(f"no path given for output {name!r}")
        return outputs[name]
    return inputs.get(name)


def _quote(value: str, placeholder: Placeholder) -> str:
    if "\x00" in value:
        raise CommandRenderError("a value contains a NUL character")
    if placeholder.arithmetic:
        # Bash evaluates this value as arithmetic (subscripts included), where quoting does
        # not help: only a plain number may land here, whatever the submit check said.
        if not NUMERIC_RE.match(value):
            raise CommandRenderError(
                f"`${{{{{placeholder.expression}}}}}` sits in {placeholder.arithmetic_context}, "
                f"where only a number may go, not {value[:40]!r}"
            )
        return value
    context = placeholder.context
    quoted = shlex.quote(value)
    # Close the surrounding quote, add the single-quoted value, reopen: the shell joins the
    # three into one word, and the value itself is never inside double quotes.
    if context == "double":
        return f'"{quoted}"'
    if context == "single":
        return f"'{quoted}'"
    return quoted
