"""The ApplicationSet git generator (Argo CD's `applicationset/generators/git.go`): one
parameter set per matching directory, or per object in each matching file, with the
documented path parameters in the template style of the ApplicationSet.

- Classic (fasttemplate): flat `path`, `path.basename`, `path.basenameNormalized`,
  `path[n]` (and for files `path.filename`, `path.filenameNormalized`, the file's keys
  flattened with dots), all strings.
- Go templates: `path` is a map (`.path.path`, `.path.basename`, `.path.segments`, ...),
  the file's content stays structured.
`pathParamPrefix` nests them under a prefix; `values` are templated with the rest.
Directories match as Go's `path.Match` (no `**`), files as doublestar globs (`**`, `{a,b}`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from auditor.errors import AuditorError, ManifestError
from auditor.manifests import parse_file

Params = dict[str, Any]


class GitGeneratorError(AuditorError):
    """A git generator entry is malformed or its files cannot be read."""


def sanitize_name(name: str) -> str:
    """Argo CD's SanitizeName: lower case, [^-a-z0-9.] to '-', at most 253, trimmed of -."""
    out = re.sub(r"[^-a-z0-9.]", "-", name.lower())[:253]
    return out.strip("-.")


@dataclass(frozen=True)
class Listing:
    """A tree's directories (no hidden segment) and files (outside .git), relative."""

    dirs: tuple[str, ...]
    files: tuple[Path, ...]


_LISTINGS: ContextVar[dict[Path, Listing] | None] = ContextVar("gitgen_listings", default=None)


@contextmanager
def one_walk() -> Iterator[None]:
    """Within the block, each tree is walked once, whatever the number of git generators
    reading it (a discovery pass: the tree does not change under it)."""
    token = _LISTINGS.set({})
    try:
        yield
    finally:
        _LISTINGS.reset(token)


def listing(root: Path) -> Listing:
    """The tree at `root`, walked once per `one_walk` block (else on every call)."""
    memo = _LISTINGS.get()
    if memo is not None and root in memo:
        return memo[root]
    paths = sorted(root.rglob("*"))
    found = Listing(
        dirs=tuple(
            p.relative_to(root).as_posix()
            for p in paths
            if p.is_dir() and not any(part.startswith(".") for part in p.relative_to(root).parts)
        ),
        files=tuple(p for p in paths if p.is_file() and ".git" not in p.parts),
    )
    if memo is not None:
        memo[root] = found
    return found


def directory_params(
    root: Path, entries: Sequence[Mapping[str, Any]], *, go: bool, prefix: str = ""
) -> list[Params]:
    include = [_path_match(str(e.get("path") or "")) for e in entries if not e.get("exclude")]
    exclude = [_path_match(str(e.get("path") or "")) for e in entries if e.get("exclude")]
    out = []
    for rel in listing(root).dirs:
        if any(p.fullmatch(rel) for p in include) and not any(p.fullmatch(rel) for p in exclude):
            out.append(_with_path(rel, None, go=go, prefix=prefix, params={}))
    return out


def file_params(
    root: Path, entries: Sequence[Mapping[str, Any]], *, go: bool, prefix: str = ""
) -> list[Params]:
    include = [_glob_re(str(e.get("path") or "")) for e in entries if not e.get("exclude")]
    exclude = [_glob_re(str(e.get("path") or "")) for e in entries if e.get("exclude")]
    out: list[Params] = []
    for file in listing(root).files:
        rel = file.relative_to(root).as_posix()
        if not any(p.fullmatch(rel) for p in include) or any(p.fullmatch(rel) for p in exclude):
            continue
        try:
            docs = parse_file(file, display=rel)
        except ManifestError as exc:
            raise GitGeneratorError(f"git files generator: {exc}") from exc
        for doc in docs:
            items = doc.body if isinstance(doc.body, list) else [doc.body or {}]
            for item in items:
                if not isinstance(item, Mapping):
                    raise GitGeneratorError(f"git files generator: {rel} must hold a mapping")
                content = dict(item) if go else flatten_dots(item)
                out.append(
                    _with_path(
                        str(PurePosixPath(rel).parent), rel, go=go, prefix=prefix, params=content
                    )
                )
    return out


def with_values(
    params: Params, values: Mapping[str, Any], *, go: bool, render: Callable[[Any, Params], Any]
) -> Params:
    """The generator's `values`, templated with its parameters: `values.key` (classic) or
    the `values` map (Go)."""
    if not values:
        return params
    rendered = {str(k): render(v, params) for k, v in values.items()}
    if go:
        return {**params, "values": rendered}
    return {**params, **{f"values.{k}": str(v) for k, v in rendered.items()}}


def flatten_dots(value: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """jeremywohl/flatten's DotStyle, as Argo CD flattens a file for classic templates:
    nested keys and list indexes joined by dots, values as Go's `%v` prints them."""
    out: dict[str, str] = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, Mapping):
            out.update(flatten_dots(item, prefix=name + "."))
        elif isinstance(item, list):
            out.update(flatten_dots({str(i): v for i, v in enumerate(item)}, prefix=name + "."))
        else:
            out[name] = _go_str(item)
    return out


def _go_str(value: Any) -> str:
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _with_path(rel: str, file: str | None, *, go: bool, prefix: str, params: Params) -> Params:
    basename = PurePosixPath(rel).name or rel
    if go:
        path: Params = {
            "path": rel,
            "basename": basename,
            "basenameNormalized": sanitize_name(basename),
            "segments": rel.split("/"),
        }
        if file is not None:
            name = PurePosixPath(file).name
            path.update({"filename": name, "filenameNormalized": sanitize_name(name)})
        return {**params, **({prefix: {"path": path}} if prefix else {"path": path})}
    key = f"{prefix}.path" if prefix else "path"
    flat = {
        key: rel,
        f"{key}.basename": basename,
        f"{key}.basenameNormalized": sanitize_name(basename),
    }
    if file is not None:
        name = PurePosixPath(file).name
        flat.update({f"{key}.filename": name, f"{key}.filenameNormalized": sanitize_name(name)})
    flat.update({f"{key}[{i}]": s for i, s in enumerate(rel.split("/")) if s})
    return {**params, **flat}


def _path_match(pattern: str) -> re.Pattern[str]:
    """Go's `path.Match`: `*` and `?` stay within one segment, `[...]` classes, `\\`
    escapes; nothing else is special (no `**`, no braces)."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        elif c == "[" and (end := pattern.find("]", i + 2)) > i:
            body = pattern[i + 1 : end]
            negate = body.startswith("^")
            body = body[1:] if negate else body
            out.append("[" + ("^" if negate else "") + body.replace("\\", "\\\\") + "]")
            i = end
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out))


def _glob_re(pattern: str) -> re.Pattern[str]:
    """A doublestar glob: `*` within one segment, `**` across segments, `{a,b}`."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "{" and (end := pattern.find("}", i)) > i:
            alts = pattern[i + 1 : end].split(",")
            out.append("(?:" + "|".join(re.escape(a) for a in alts) + ")")
            i = end
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out))
