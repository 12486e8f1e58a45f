"""The one YAML loader for text from users: safe tags, and limits on size, depth and aliases.

Pure (no Django): the registry, the pipeline import, environments and the CLI all use it.
PyYAML shares an aliased node instead of copying it, so a 500-byte document with seven
levels of aliases loads quickly into an object that expands to millions of values the
moment anything walks it (JSON encoding, storing, listing). So the composed node graph is
walked as if every alias were expanded, and loading stops past `max_nodes`.
"""

from __future__ import annotations

from itertools import accumulate
from typing import Any

import yaml

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 100_000


# PyYAML's scanner reads far ahead inside flow collections (`[[[[...`), so a long run of
# brackets costs time before the composer's depth check is reached: count them first.
_FLOW = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_NOT_FLOW = bytes(b for b in range(256) if b not in _FLOW)
# Brackets inside plain scalars (a command's `[[ ]]`) count too: leave room for them.
FLOW_SLACK = 4


class YamlLimitError(yaml.YAMLError):
    """A document is over a size, nesting or alias-expansion limit."""


class LimitedSafeLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses deep nesting and alias expansion past a limit."""

    max_depth = MAX_DEPTH
    max_nodes = MAX_NODES

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        # The composer recurses once per level: deep nesting would hit Python's limit.
        self._depth += 1
        try:
            if self._depth > self.max_depth:
                raise YamlLimitError(f"the document nests deeper than {self.max_depth} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        _check_expansion(node, self.max_nodes)
        return self.construct_document(node)


def _check_expansion(root: yaml.Node, limit: int) -> None:
    """Count nodes with every alias expanded (a cycle counts forever), up to `limit`."""
    stack: list[yaml.Node] = [root]
    count = 0
    while stack:
        node = stack.pop()
        count += 1
        if count > limit:
            raise YamlLimitError(
                f"the document expands to more than {limit} values "
                "(aliases `*name` repeat what their anchor `&name` holds)"
            )
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append(key)
                stack.append(value)


def safe_load(
    text: str | bytes,
    *,
    loader: type[LimitedSafeLoader] = LimitedSafeLoader,
    max_bytes: int = MAX_BYTES,
) -> Any:
    """Load one YAML document from untrusted text.

    text: the YAML text.
    loader: LimitedSafeLoader or a subclass (e.g. one refusing duplicate keys).
    max_bytes: the largest document accepted.
    Raises YamlLimitError (a yaml.YAMLError) past a limit, yaml.YAMLError if malformed.
    """
    size = len(text.encode("utf-8", "replace")) if isinstance(text, str) else len(text)
    if size > max_bytes:
        raise YamlLimitError(f"the document is larger than {max_bytes // 1024} KiB")
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    brackets = raw.translate(None, _NOT_FLOW)
    if max(accumulate(_FLOW[b] for b in brackets), default=0) > loader.max_depth * FLOW_SLACK:
        raise YamlLimitError(f"the document nests deeper than {loader.max_depth} levels")
    return yaml.load(text, Loader=loader)  # noqa: S506 (a SafeLoader subclass)
