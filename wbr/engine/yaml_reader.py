"""Reading a config's YAML: one parse giving nodes and data, aliases refused, duplicate keys and
keys that are not text reported, and the line of every key path."""

from __future__ import annotations

from typing import Any, NamedTuple

import yaml

from wbr.errors import Problem

__all__ = [
    "AliasError",
    "duplicate_keys",
    "keys_not_text",
    "line_index",
    "line_of",
    "parse_yaml_document",
    "parse_yaml_keys",
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
    root, data, _ = parse_yaml_keys(text)
    return root, data


class KeyWalk(NamedTuple):
    """What one walk over the node tree found (see _walk_keys)."""

    lines: dict[tuple, int]  # line_index(root)
    twice: bool  # duplicate_keys(root, ...) has problems
    not_text: bool  # keys_not_text(root, ...) has problems


def parse_yaml_keys(text: str) -> tuple[yaml.Node | None, Any, KeyWalk | None]:
    """parse_yaml_document's (root, data) and the walk that refused aliases: the lines of every
    key path and whether a key is given twice or is not text, found in the same walk, which
    also builds the data when every node is a plain str, null, bool, int, float, timestamp,
    list or dict (construct_document builds it otherwise). The walk is None when building the
    data rewrote the keys it saw (`<<:` merges, `=:` value keys) or a key is not a single
    value: line_index, duplicate_keys and keys_not_text then walk the tree."""
    fast = getattr(yaml, "CSafeLoader", None)
    for loader_class in (fast, yaml.SafeLoader) if fast else (yaml.SafeLoader,):
        loader = loader_class(text)
        try:
            root = loader.get_single_node()
            if root is None:
                return None, None, None
            walk, data = _walk_keys(root, loader)  # refuses aliases before building data
            if data is _NOT_BUILT:
                data = loader.construct_document(root)
            return root, data, walk
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


_REWRITTEN_KEYS = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})
_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{kind}" for kind in ("str", "seq", "map"))
# Scalars built here with the constructor's own functions; any other tag (!!binary, !!set, a
# local tag) leaves the building to construct_document.
_SCALARS = frozenset(
    f"tag:yaml.org,2002:{k}" for k in ("null", "bool", "int", "float", "timestamp")
)
_NOT_BUILT = object()


def _walk_keys(root: yaml.Node, loader: Any) -> tuple[KeyWalk | None, Any]:
    """(walk, data): aliases refused, line_index and whether duplicate_keys or keys_not_text
    would find a problem, in one walk in document order (a config of 10,000 metrics: one walk,
    not four), building the data as it goes as construct_document would.

    Raises AliasError at the first node reached twice: an alias (*name) of an anchor (&name). A
    config never needs them, and nine levels of aliases to aliases expand to billions of paths
    for every walk over the tree: refusing them first keeps every later walk linear in the text.
    The walk is None when a key is a merge (<<) or value (=) key, which construction rewrites
    before the other walks would run, or not a scalar. The data is _NOT_BUILT when the walk is
    None or a node is not a plain str, null, bool, int, float, timestamp, list or dict, or
    building a scalar raised: construct_document then builds it (and raises what it raises).
    """
    seen: set[int] = set()
    lines: dict[tuple, int] = {(): root.start_mark.line + 1}
    twice = not_text = rewritten = False
    built = True
    data: list[Any] = [None]  # the root's value, set as children are
    # (node, the line an alias there is reported on, its key path or None inside a key,
    # and the container and slot its value goes to)
    stack: list[tuple[yaml.Node, int, tuple | None, Any, Any]] = [
        (root, root.start_mark.line + 1, (), data, 0)
    ]
    while stack:
        node, line, path, into, slot = stack.pop()
        if id(node) in seen:
            raise AliasError(line, node.start_mark.line + 1)
        seen.add(id(node))
        children: list[tuple[yaml.Node, int, tuple | None, Any, Any]] = []
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            value: Any = {}
            built = built and node.tag == _MAP
            for key_node, value_node in node.value:
                line = key_node.start_mark.line + 1
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag in _REWRITTEN_KEYS:
                    rewritten = True
                    children += [
                        (key_node, line, None, None, None),
                        (value_node, line, None, None, None),
                    ]
                    continue
                key = key_node.value
                twice = twice or key in keys
                keys.add(key)
                is_text = key_node.tag == _STR
                not_text = not_text or not key_node.tag.endswith(":str")
                key_path = None if path is None else (*path, key)
                if key_path is not None:
                    lines[key_path] = line
                if built:
                    built_key = key if is_text else _build_scalar(key_node, loader)
                    if built_key is _NOT_BUILT:
                        built = False
                    else:
                        value[built_key] = None  # its place: the first time the key is given
                children += [(key_node, line, None, None, None)]
                children += [
                    (
                        value_node,
                        line,
                        key_path,
                        value if built else None,
                        built_key if built else None,
                    )
                ]
        elif isinstance(node, yaml.SequenceNode):
            value = [None] * len(node.value)
            built = built and node.tag == _SEQ
            line = node.start_mark.line + 1  # an alias item carries its anchor's marks
            for i, item in enumerate(node.value):
                item_path = None if path is None else (*path, i)
                if item_path is not None:
                    lines[item_path] = item.start_mark.line + 1
                children.append((item, line, item_path, value, i))
        elif built and into is not None:
            value = node.value if node.tag == _STR else _build_scalar(node, loader)
            built = value is not _NOT_BUILT
        else:
            value = None
        if built and into is not None:
            into[slot] = value
        stack += reversed(children)  # document order: an anchor is met before its aliases
    if rewritten:
        return None, _NOT_BUILT
    return KeyWalk(lines, twice, not_text), data[0] if built else _NOT_BUILT


def _build_scalar(node: yaml.Node, loader: Any) -> Any:
    """A scalar as the loader's constructor builds it, or _NOT_BUILT."""
    if node.tag not in _SCALARS:
        return _NOT_BUILT
    try:
        return loader.yaml_constructors[node.tag](loader, node)
    except Exception:
        return _NOT_BUILT
