"""Reading a config's YAML: one parse giving nodes and data, aliases refused, duplicate keys and
keys that are not text reported, and the line of every key path."""

from __future__ import annotations

from typing import Any

import yaml

from wbr.errors import Problem

__all__ = [
    "AliasError",
    "duplicate_keys",
    "keys_not_text",
    "line_index",
    "line_of",
    "parse_yaml_document",
]


def line_index(node: yaml.Node, path: tuple = ()) -> dict[tuple, int]:
    """Map every key path in the YAML document to its 1-based line number."""
    lines: dict[tuple, int] = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key_path = (*path, key_node.value)
            lines.update(line_index(value_node, key_path))
            lines[key_path] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.update(line_index(item, (*path, i)))
    return lines


def duplicate_keys(node: yaml.Node, source: str, path: tuple = ()) -> list[Problem]:
    """Keys given twice in one mapping (YAML would silently keep only the second)."""
    problems = []
    if isinstance(node, yaml.MappingNode):
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            key, line = key_node.value, key_node.start_mark.line + 1
            dotted = ".".join(str(p) for p in (*path, key))
            if key in first_line:
                problems.append(
                    Problem(
                        source,
                        line,
                        None,
                        f"'{dotted}' is given twice (first on line {first_line[key]}); "
                        "only one can count",
                    )
                )
            first_line.setdefault(key, line)
            problems += duplicate_keys(value_node, source, (*path, key))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            problems += duplicate_keys(item, source, (*path, i))
    return problems


_KEY_READ_AS = {
    "tag:yaml.org,2002:bool": "a true/false value",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:null": "an empty value",
    "tag:yaml.org,2002:timestamp": "a date",
}


def keys_not_text(root: yaml.Node, source: str) -> list[Problem]:
    """Keys YAML reads as something other than text (`yes:`, `on:`, `1:`, `2026-01-01:`).

    Every key of a config is a name; YAML 1.1 would turn `yes:` into True, and the error would
    then name `metrics.True`. Each is reported as written, with the quoting that fixes it.
    """
    problems = []
    stack: list[tuple[yaml.Node, tuple[str, ...]]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, yaml.SequenceNode):
            stack += [(item, (*path, str(i))) for i, item in enumerate(node.value)]
        if not isinstance(node, yaml.MappingNode):
            continue
        for key_node, value_node in node.value:
            written = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag.endswith(":str"):
                stack.append((value_node, (*path, written)))
                continue
            read_as = _KEY_READ_AS.get(key_node.tag, "not text")
            dotted = ".".join((*path, written))
            problems.append(
                Problem(
                    source,
                    key_node.start_mark.line + 1,
                    None,
                    f"'{dotted}': YAML reads the key {written!r} as {read_as}; put it in quotes "
                    f"('{written}':) to use it as a name",
                )
            )
    return sorted(problems, key=lambda problem: problem.line or 0)


def line_of(lines: dict[tuple, int], loc: tuple) -> int | None:
    """The line of the deepest known prefix of a key path."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def parse_yaml_document(text: str) -> tuple[yaml.Node | None, Any]:
    """One parse giving both the node tree (for line numbers) and the data; refuses aliases.

    Uses libyaml's C loader when PyYAML was built with it (ten times faster on big configs).
    """
    fast = getattr(yaml, "CSafeLoader", None)
    for loader_class in (fast, yaml.SafeLoader) if fast else (yaml.SafeLoader,):
        loader = loader_class(text)
        try:
            root = loader.get_single_node()
            if root is None:
                return None, None
            _refuse_aliases(root)  # before anything walks or builds the tree
            return root, loader.construct_document(root)
        except yaml.YAMLError:
            if loader_class is yaml.SafeLoader:
                raise  # the pure-Python parser words its errors better: report its message
        finally:
            loader.dispose()
    raise AssertionError("unreachable")


class AliasError(yaml.YAMLError):
    """A config uses a YAML alias (*name): `line` is where, `anchor_line` where its &name is."""

    def __init__(self, line: int, anchor_line: int) -> None:
        super().__init__(f"line {line}: YAML alias of the anchor on line {anchor_line}")
        self.line, self.anchor_line = line, anchor_line

    def message(self, source: str) -> str:
        """The user's one-line message."""
        return (
            f"{source}:{self.line}: YAML aliases (*name, here of the anchor &name on line "
            f"{self.anchor_line}) are not allowed in a config; write the value out"
        )


def _refuse_aliases(root: yaml.Node) -> None:
    """Raise AliasError at the first node reached twice: an alias (*name) of an anchor (&name).

    A config never needs them, and nine levels of aliases to aliases expand to billions of
    paths for every walk over the tree: refusing them keeps every later walk linear in the text.
    """
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, root.start_mark.line + 1)]
    while stack:
        node, line = stack.pop()
        if id(node) in seen:
            raise AliasError(line, node.start_mark.line + 1)
        seen.add(id(node))
        children: list[tuple[yaml.Node, int]] = []
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                line = key_node.start_mark.line + 1
                children += [(key_node, line), (value_node, line)]
        elif isinstance(node, yaml.SequenceNode):
            # an alias item carries its anchor's marks: name the sequence that holds it
            children = [(item, node.start_mark.line + 1) for item in node.value]
        stack += reversed(children)  # document order: an anchor is met before its aliases
