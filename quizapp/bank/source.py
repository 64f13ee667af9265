"""Reading YAML safely, keeping where every key and value came from.

The file is parsed once into PyYAML's node graph (with the C parser when it is available), and the
nodes are turned into plain Python data here, so that this module decides what is allowed:
no Python-object tags, no duplicate keys, a bounded number of nodes (an alias bomb stops early).
Positions are looked up in the node graph only when a problem needs one.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .problems import Problem

MAX_BYTES = 1024 * 1024
MAX_NODES = 200_000
"""Nodes one file may expand to; real question files have a few hundred, an alias bomb billions."""

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SCALARS = SafeConstructor.yaml_constructors
_CONSTRUCTOR = SafeConstructor()
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}

Path_ = tuple[str | int, ...]


class SourceError(Exception):
    """A problem that stops a document from being read at all."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass
class Document:
    """A parsed YAML document: its plain data, and the node graph to locate any part of it."""

    path: str
    data: Any
    root: Node | None
    problems: list[Problem]
    """Problems met while reading that did not stop it (duplicate keys, refused tags)."""

    def locate(self, where: Path_, *, key: bool = False) -> tuple[int, int]:
        """1-based (line, column) of the value at ``where``, or of its key when ``key`` is set.

        A path that goes further than the document (a missing field) stops at the deepest node
        that exists, which is where the author has to add it.
        """
        node = self.root
        key_node: Node | None = None
        for part in where:
            child, child_key = _child(node, part)
            if child is None:
                break
            node, key_node = child, child_key
        target = key_node if key and key_node is not None else node
        if target is None:
            return 1, 1
        return target.start_mark.line + 1, target.start_mark.column + 1

    def problem(self, where: Path_, rule: str, message: str, *, key: bool = False) -> Problem:
        """A problem located at ``where`` in this document."""
        line, column = self.locate(where, key=key)
        return Problem(self.path, line, column, rule, message)


def _child(node: Node | None, part: str | int) -> tuple[Node | None, Node | None]:
    """The child node under ``part`` (a key or an index) and its key node."""
    if isinstance(node, MappingNode) and isinstance(part, str):
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value == part:
                return value_node, key_node
    if isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return node.value[part], None
    return None, None


def read_document(path: Path, display: str | None = None) -> Document:
    """Parse one YAML file into a :class:`Document`; raise :class:`SourceError` if it can't be read."""
    shown = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(
            Problem(shown, 1, 1, "unreadable", f"cannot read the file: {exc.strerror}")
        ) from None
    if len(raw) > MAX_BYTES:
        raise SourceError(
            Problem(shown, 1, 1, "file-too-large", f"the file is {len(raw):,} bytes; the limit is 1 MiB")
        )
    return parse_text(decode(raw, shown), shown)


def decode(raw: bytes, shown: str) -> str:
    """The file's text as UTF-8, or a problem pointing at the first byte that is not."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        raise SourceError(
            Problem(
                shown,
                line,
                column,
                "encoding",
                f"byte 0x{raw[exc.start]:02x} is not UTF-8; save the file as UTF-8",
            )
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def parse_text(text: str, shown: str) -> Document:
    """Parse YAML text into a :class:`Document`."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise SourceError(_syntax_problem(exc, text, shown)) from None
    except yaml.YAMLError as exc:  # unmarked errors are rare (e.g. a reader error)
        raise SourceError(Problem(shown, 1, 1, "yaml-syntax", f"YAML error: {exc}")) from None
    builder = _Builder(shown)
    data = builder.build(root) if root is not None else None
    return Document(shown, data, root, builder.problems)


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, shown: str) -> Problem:
    """Turn PyYAML's error into one located line, with a plain word for the usual causes.

    PyYAML marks two places: where the construct it was reading began (``context_mark``: the opening
    quote or bracket) and where it gave up (``problem_mark``: often the end of the file). The author
    has to look at the first, so the problem is located there and the second is named in the message.
    A tab used for indentation is located at the tab.
    """
    problem_at, context_at = exc.problem_mark, exc.context_mark
    lines = text.splitlines()
    if problem_at is not None:
        line = problem_at.line + 1
        row = lines[line - 1] if 0 < line <= len(lines) else ""
        if "\t" in row[: len(row) - len(row.lstrip())] or (
            problem_at.index < len(text) and text[problem_at.index] == "\t"
        ):
            tab = row.index("\t") + 1 if "\t" in row else problem_at.column + 1
            return Problem(shown, line, tab, "tab-indent", "a tab is used for indentation; YAML needs spaces")
    mark = context_at or problem_at
    if mark is None:
        return Problem(
            shown, 1, 1, "yaml-syntax", f"YAML syntax error: {(exc.problem or 'invalid YAML').strip()}"
        )
    message = _syntax_words(exc, text)
    return Problem(shown, mark.line + 1, mark.column + 1, "yaml-syntax", f"YAML syntax error: {message}")


_OPENERS = {"flow sequence": "[", "flow mapping": "{"}
_CONSTRUCTS = {
    "block collection": "the list or mapping that starts here",
    "block mapping": "the mapping that starts here",
    "block sequence": "the list that starts here",
    "plain scalar": "the text that starts here",
    "alias": "the alias that starts here",
    "anchor": "the anchor that starts here",
    "tag": "the tag that starts here",
    "block scalar": "the block of text that starts here",
    "directive": "the directive that starts here",
}


def _syntax_words(exc: yaml.MarkedYAMLError, text: str) -> str:
    """What went wrong, in words that point at the construct left open and say where PyYAML gave up."""
    problem = (exc.problem or "invalid YAML").strip()
    context = (exc.context or "").strip()
    problem_at, context_at = exc.problem_mark, exc.context_mark
    if context_at is None or problem_at is None:
        if "mapping values are not allowed" in problem:
            return (
                "a 'key: value' is not allowed here: check this line's indentation, or put the value in"
                " quotes if it holds ': '"
            )
        return problem + (f" ({context})" if context else "")
    where = (
        f"column {problem_at.column + 1}"
        if problem_at.line == context_at.line
        else f"line {problem_at.line + 1}, column {problem_at.column + 1}"
    )
    at_end = problem_at.index >= len(text.rstrip()) or "end of stream" in problem
    opener = text[context_at.index] if context_at.index < len(text) else ""
    end = problem_at.line + 1
    if "quoted scalar" in context:
        quote = opener if opener in "'\"" else "quote"
        if at_end:
            return f"unclosed quote opened here: no closing {quote} before the end of the file (line {end})"
        if "document" in problem:
            return (
                f"unclosed quote opened here: a document marker at {where} comes before the closing {quote}"
            )
        return f"{problem} at {where}, in the quoted text that starts here"
    for name, bracket in _OPENERS.items():
        if name in context:
            closer = "]" if bracket == "[" else "}"
            if at_end:
                return (
                    f"unclosed '{bracket}' opened here: no '{closer}' before the end of the file (line {end})"
                )
            return f"unclosed '{bracket}' opened here: at {where} YAML expected ',' or '{closer}'"
    if "simple key" in context:
        return f"this line reads as a key but has no ':' after it (YAML gave up at {where})"
    construct = next((words for name, words in _CONSTRUCTS.items() if name in context), "what starts here")
    if "block" in context and "scalar" not in context:
        return f"check the indentation at {where}: it breaks {construct} ({problem})"
    return f"{problem} at {where}, in {construct}"


class _Builder:
    """Turns a node graph into plain data, refusing what a question file must not contain."""

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.budget = MAX_NODES
        self.problems: list[Problem] = []

    def at(self, node: Node, rule: str, message: str) -> Problem:
        return Problem(self.shown, node.start_mark.line + 1, node.start_mark.column + 1, rule, message)

    def fail(self, node: Node, rule: str, message: str) -> SourceError:
        return SourceError(self.at(node, rule, message))

    def note(self, node: Node, rule: str, message: str) -> None:
        """Record a problem and go on reading, so that one run reports them all."""
        self.problems.append(self.at(node, rule, message))

    def build(self, node: Node) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise self.fail(
                node,
                "alias-bomb",
                f"the document expands to more than {MAX_NODES:,} values (aliases?); refused",
            )
        if isinstance(node, ScalarNode):
            return node.value if node.tag == _STR else self.scalar(node)
        if isinstance(node, SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                return self.unsafe(node)
            return [self.build(item) for item in node.value]
        if isinstance(node, MappingNode):
            return self.mapping(node)
        raise self.fail(node, "yaml-syntax", "unsupported YAML node")  # pragma: no cover

    def unsafe(self, node: Node) -> None:
        """Refuse a tag that asks for anything but plain data; the value reads as nothing."""
        self.note(
            node, "unsafe-tag", f"the tag '{node.tag}' is not allowed: question files hold plain data only"
        )

    def scalar(self, node: ScalarNode) -> Any:
        if node.tag == _STR:  # most scalars in a question file: text as written
            return node.value
        if node.tag not in _PLAIN_TAGS:
            return self.unsafe(node)
        try:
            value = _SCALARS[node.tag](_CONSTRUCTOR, node)
        except (ConstructorError, ValueError) as exc:
            self.note(node, "wrong-type", f"cannot read {node.value!r}: {exc}")
            return node.value
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value  # dates are text to us; no question field holds a date
        return value

    def mapping(self, node: MappingNode) -> dict[Hashable, Any] | None:
        if node.tag != _MAP:
            self.unsafe(node)
            return None
        result: dict[Hashable, Any] = {}
        first_seen: dict[Hashable, Node] = {}
        build = self.build
        for key_node, value_node in node.value:
            tag = key_node.tag
            if tag == _STR and type(key_node) is ScalarNode:  # the usual key: plain text
                key = key_node.value
            elif tag == "tag:yaml.org,2002:merge":
                self.note(key_node, "unsafe-tag", "merge keys (<<) are not supported; write the keys out")
                continue
            elif not isinstance(key_node, ScalarNode):
                self.note(key_node, "wrong-type", "a key must be plain text, not a list or mapping")
                continue
            else:
                key = self.scalar(key_node)
                if key is None:
                    continue
            if key in first_seen:
                first = first_seen[key].start_mark.line + 1
                self.note(key_node, "duplicate-key", f"duplicate key '{key}' (first given at line {first})")
                continue
            first_seen[key] = key_node
            if type(value_node) is ScalarNode and value_node.tag == _STR:
                self.budget -= 1
                result[key] = value_node.value
            else:
                result[key] = build(value_node)
        if self.budget < 0:
            raise self.fail(
                node,
                "alias-bomb",
                f"the document expands to more than {MAX_NODES:,} values (aliases?); refused",
            )
        return result


def walk(data: Any, where: Sequence[str | int]) -> Any:
    """The value at ``where`` in plain data, or None where the path does not exist."""
    for part in where:
        if isinstance(data, dict):
            if part not in data:
                return None
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data
