"""Writing questions (plain dicts) as YAML files in the bank's own style."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    """Safe YAML in the bank's style: ``|`` for multi-line text, short lists inline, nested lists indented."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
    flow = bool(value) and all(isinstance(v, str) and "\n" not in v and len(v) < 40 for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(list, _represent_list)


def dump_question(question: Mapping[str, Any]) -> str:
    """One question dict as YAML text, keys in the order given."""
    return str(yaml.dump(dict(question), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=4096))


def write_files(
    questions: Sequence[Mapping[str, Any]],
    outdir: Path,
    headers: Mapping[str, str],
    *,
    overwrite: bool = False,
) -> list[Path]:
    """One ``<id>.yaml`` per question, each starting with its header (comment lines, may be empty).

    Refuses (FileExistsError, nothing written) to replace existing files unless ``overwrite``.
    """
    targets = [(outdir / f"{q['id']}.yaml", q) for q in questions]
    existing = [str(p) for p, _ in targets if p.exists()]
    if existing and not overwrite:
        raise FileExistsError(f"would replace {', '.join(existing)}")
    outdir.mkdir(parents=True, exist_ok=True)
    for path, q in targets:
        path.write_text(headers.get(q["id"], "") + dump_question(q), encoding="utf-8")
    return [p for p, _ in targets]
