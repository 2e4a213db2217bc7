"""Reading a Rego file without an engine: its package, the conftest rules it defines,
their METADATA blocks, the data it references, and a refusal of Rego v0 syntax.

regopy silently misreads v0 rules (`deny[msg] { ... }` becomes an object), so v0 heads
are rejected here with the file and line before any engine sees them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.errors import ManifestError
from auditor.manifests import load_yaml
from auditor.policy.errors import PolicyLoadError

DECISION_RULE = re.compile(r"^(deny|violation|warn)(_\w+)?$")
_PACKAGE = re.compile(r"^package\s+([\w.]+)\s*$", re.MULTILINE)
_HEAD = re.compile(r"^(?P<name>[A-Za-z_]\w*)(?P<rest>.*)$")
_KEYWORDS = frozenset({"package", "import", "default", "else", "some", "every", "not", "with"})
_DATA_REF = re.compile(r"\bdata\.([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*)")


@dataclass(frozen=True)
class RuleInfo:
    """A top-level rule of a module: its name, first line and METADATA (may be empty)."""

    name: str
    line: int
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PolicyModule:
    """One Rego file: `path` is what users see in messages (relative or `builtin:...`)."""

    path: str
    source: str
    package: str
    rules: tuple[RuleInfo, ...]
    data_refs: frozenset[str]

    @property
    def decision_rules(self) -> tuple[RuleInfo, ...]:
        return tuple(r for r in self.rules if DECISION_RULE.match(r.name))

    @property
    def has_exceptions(self) -> bool:
        return any(r.name == "exception" for r in self.rules)

    @property
    def test_rules(self) -> tuple[RuleInfo, ...]:
        return tuple(r for r in self.rules if r.name.startswith("test_"))


def parse_module(path: str, source: str) -> PolicyModule:
    """Parse `source` (named `path` in errors); raises PolicyLoadError on v0 syntax."""
    match = _PACKAGE.search(source)
    if match is None:
        raise PolicyLoadError("no `package` declaration", path=path, line=1)
    lines = source.splitlines()
    rules: dict[str, RuleInfo] = {}
    pending_meta: Mapping[str, Any] | None = None
    index = 0
    while index < len(lines):
        text = lines[index]
        if text.strip() == "# METADATA":
            pending_meta, index = _read_metadata(lines, start=index + 1, path=path)
            continue
        _refuse_v0(text, path=path, line=index + 1)
        head = _HEAD.match(text)
        if head and head.group("name") not in _KEYWORDS and _is_rule_head(head.group("rest")):
            name = head.group("name")
            if name not in rules:
                rules[name] = RuleInfo(name=name, line=index + 1, metadata=pending_meta or {})
            pending_meta = None
        elif text and not text.startswith("#"):
            pending_meta = None if not text.startswith("package") else pending_meta
        index += 1
    code = "\n".join(line.split("#", 1)[0] for line in lines)
    return PolicyModule(
        path=path,
        source=source,
        package=match.group(1),
        rules=tuple(rules.values()),
        data_refs=frozenset(_DATA_REF.findall(code)),
    )


def _is_rule_head(rest: str) -> bool:
    rest = rest.strip()
    return rest == "" or rest[0] in "[(:={" or rest.startswith(("if", "contains", "="))


def _read_metadata(lines: list[str], *, start: int, path: str) -> tuple[Mapping[str, Any], int]:
    body: list[str] = []
    index = start
    while index < len(lines) and lines[index].startswith("#"):
        body.append(lines[index][1:].removeprefix(" "))
        index += 1
    try:
        meta = load_yaml("\n".join(body), path=path) or {}
    except ManifestError as exc:
        problem = exc.message.split(": ", 1)[-1]
        raise PolicyLoadError(f"invalid METADATA block: {problem}", path=path, line=start) from exc
    if not isinstance(meta, dict):
        raise PolicyLoadError("METADATA must be a YAML mapping", path=path, line=start)
    return meta, index


_V0_HEAD = re.compile(
    r"^(?P<head>[A-Za-z_][\w.]*(?:\[[^\]]*\])?(?:\([^)]*\))?(?:\s*:?=\s*[^{\s][^{]*?)?)\s*\{\s*$"
)
_V0_PARTIAL_IF = re.compile(r"^(?P<name>[A-Za-z_]\w*)\[[^\]]*\]\s+if\b")


def _refuse_v0(text: str, *, path: str, line: int) -> None:
    """Rego v1 requires `if` before every body and `contains` for multi-value rules."""
    code = text.split("#", 1)[0].rstrip()
    if not code or code[0].isspace():
        return
    if code.startswith("}") and re.search(r"\belse\b", code) and not re.search(r"\bif\b", code):
        if code.endswith("{"):
            raise PolicyLoadError(
                "Rego v0 syntax: `else` without `if` (only Rego v1 is supported)",
                path=path,
                line=line,
            )
        return
    match = _V0_HEAD.match(code)
    if match and not re.search(r"\b(if|contains)\b", code):
        name = match.group("head").split("[", 1)[0].split("(", 1)[0].strip()
        if name.split(".")[0] in _KEYWORDS:
            return
        hint = (
            f"write `{name} contains ... if {{`"
            if "[" in match.group("head") and ":=" not in code and "=" not in code
            else "add `if` before the rule body"
        )
        raise PolicyLoadError(
            f"Rego v0 syntax in rule head `{code}`: {hint} (only Rego v1 is supported)",
            path=path,
            line=line,
        )
    partial = _V0_PARTIAL_IF.match(code)
    if partial and not re.search(r"\bcontains\b|:=|\s=\s", code):
        raise PolicyLoadError(
            f"Rego v0 syntax in rule head `{code}`: multi-value rules need `contains` "
            "(only Rego v1 is supported)",
            path=path,
            line=line,
        )
