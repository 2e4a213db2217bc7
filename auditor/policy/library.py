"""Loading policy sets: the built-in library (`policies/`, package data) and user
directories, parsed into `PolicyModule`s with a content hash and the `data` documents.

Each package falls in a scope: `resource` (input only), `app` (reads `data.auditor.app`)
or `cross` (reads `data.auditor.resources`); engines compile and cache per scope. A
package whose rules say METADATA `custom.scope: live` reads an audit's drift instead.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from auditor.policy.errors import PolicyLoadError
from auditor.policy.parse import PolicyModule, parse_module

SCOPES = ("resource", "app", "cross")
LIVE = "live"
ALL_SCOPES = (*SCOPES, LIVE)


@dataclass(frozen=True)
class PolicySet:
    """The policies of one run (test files apart) and the base `data` document."""

    modules: tuple[PolicyModule, ...]
    data: Mapping[str, Any] = field(default_factory=dict)
    tests: tuple[PolicyModule, ...] = ()

    @cached_property
    def digest(self) -> str:
        """Hash of sources and data: part of every cache key."""
        h = hashlib.sha256()
        for module in sorted(self.modules, key=lambda m: m.path):
            h.update(module.path.encode() + b"\0" + module.source.encode() + b"\0")
        h.update(json.dumps(self.data, sort_keys=True, default=str).encode())
        return h.hexdigest()

    def packages(self) -> dict[str, list[PolicyModule]]:
        out: dict[str, list[PolicyModule]] = {}
        for module in self.modules:
            out.setdefault(module.package, []).append(module)
        return out

    def scopes(self) -> dict[str, str]:
        """Package -> scope, following references between packages of the set."""
        packages = self.packages()
        direct: dict[str, str] = {}
        deps: dict[str, set[str]] = {}
        for name, mods in packages.items():
            refs = set().union(*(m.data_refs for m in mods))
            direct[name] = _direct_scope(refs)
            deps[name] = {p for p in packages if p != name and any(_refers(r, p) for r in refs)}
        for name, mods in packages.items():
            if any(_live(rule.metadata) for m in mods for rule in m.decision_rules):
                direct[name] = LIVE
        resolved = dict(direct)
        changed = True
        while changed:
            changed = False
            for name, needed in deps.items():
                if resolved[name] == LIVE:
                    continue
                best = max([resolved[name], *(resolved[d] for d in needed)], key=ALL_SCOPES.index)
                if best != resolved[name]:
                    resolved[name], changed = best, True
        return resolved

    def modules_of(self, names: Iterable[str]) -> tuple[PolicyModule, ...]:
        """The modules of the packages `names`, with the packages they reference."""
        packages = self.packages()
        keep = set(names)
        pending = list(keep)
        while pending:
            refs = set().union(*(m.data_refs for m in packages[pending.pop()]))
            for other in packages:
                if other not in keep and any(_refers(r, other) for r in refs):
                    keep.add(other)
                    pending.append(other)
        return tuple(m for m in self.modules if m.package in keep)

    def decision_packages(self) -> list[str]:
        """Packages with deny/violation/warn rules, in a stable order."""
        return sorted({m.package for m in self.modules if m.decision_rules})

    def rules_of(self, package: str) -> list[str]:
        names = {r.name for m in self.modules if m.package == package for r in m.decision_rules}
        return sorted(names)

    def has_exceptions(self, package: str) -> bool:
        return any(m.has_exceptions for m in self.modules if m.package == package)

    def metadata(self, package: str, rule: str) -> Mapping[str, Any]:
        for module in self.modules:
            if module.package != package:
                continue
            for info in module.rules:
                if info.name == rule and info.metadata:
                    return info.metadata
        return {}


def _live(metadata: Mapping[str, Any]) -> bool:
    custom = metadata.get("custom")
    return isinstance(custom, Mapping) and custom.get("scope") == LIVE


def _direct_scope(refs: Iterable[str]) -> str:
    refs = list(refs)
    if any(_refers(r, "auditor.resources") for r in refs):
        return "cross"
    if any(_refers(r, "auditor") for r in refs):
        return "app"
    return "resource"


def _refers(ref: str, prefix: str) -> bool:
    return ref == prefix or ref.startswith(prefix + ".") or prefix.startswith(ref + ".")


def load_policy_set(
    *, builtin: bool = True, paths: Iterable[str | Path] = (), data: Mapping[str, Any] | None = None
) -> PolicySet:
    """Read the built-in library (when asked) and every `*.rego` under `paths`."""
    files: list[tuple[str, str]] = []
    if builtin:
        files.extend(_builtin_files())
    for path in paths:
        files.extend(_directory_files(Path(path)))
    modules: list[PolicyModule] = []
    tests: list[PolicyModule] = []
    for name, source in files:
        module = parse_module(name, source)
        (tests if name.endswith("_test.rego") else modules).append(module)
    return PolicySet(modules=tuple(modules), data=dict(data or {}), tests=tuple(tests))


def _builtin_files() -> list[tuple[str, str]]:
    root = resources.files("policies")
    out: list[tuple[str, str]] = []

    def walk(node: Traversable, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
            elif child.name.endswith(".rego"):
                out.append((f"policies/{prefix}{child.name}", child.read_text(encoding="utf-8")))

    walk(root, "")
    return out


def _directory_files(path: Path) -> list[tuple[str, str]]:
    if path.is_file() and path.suffix == ".rego":
        return [(str(path), _read(path))]
    if not path.is_dir():
        raise PolicyLoadError("policy path does not exist or is not a directory", path=str(path))
    return [(str(p), _read(p)) for p in sorted(path.rglob("*.rego")) if p.is_file()]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyLoadError(f"cannot read policy file: {exc}", path=str(path)) from exc
