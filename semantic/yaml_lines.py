"""Load YAML keeping the line of every mapping and list item, so errors can say file:line.

YAML stays data: only plain mappings, lists and scalars are built (safe loader).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[Any, ...]


def load_with_lines(path: Path) -> tuple[Any, dict[Path_, int]]:
    """Return the YAML document and a map from key path (('indicators', 3, 'numerator')) to line."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ValueError(f"{where}: YAML illisible ({getattr(exc, 'problem', exc)})") from None
    lines: dict[Path_, int] = {}
    _walk(node, (), lines)
    return yaml.safe_load(text), lines


def _walk(node: yaml.Node | None, path: Path_, lines: dict[Path_, int]) -> None:
    if node is None:
        return
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            _walk(value_node, (*path, key_node.value), lines)
            lines[(*path, key_node.value)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), lines)


def line_of(lines: dict[Path_, int], path: Path_) -> int | None:
    """The line of `path`, or of its closest ancestor that has one."""
    path = tuple(path)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())
