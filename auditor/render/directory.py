"""Rendering of a Directory app: the YAML, JSON and Jsonnet files in a path, as Argo CD
reads them (`*.jsonnet` evaluated with the app's `directory.jsonnet` options).

Called by `renderer.py`. Honours `directory.recurse` and the `include`/`exclude` globs
(matched against the path relative to the app directory; `*` crosses `/` and `{a,b}`
alternatives work, as in Argo CD's glob library).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from auditor.errors import ManifestError
from auditor.manifests import MANIFEST_SUFFIXES, Document, parse_file
from auditor.model import DirectoryOptions
from auditor.render.documents import RawRender, collect, missing_name
from auditor.render.jsonnet import evaluate

JSONNET_SUFFIX = ".jsonnet"

_SKIPPED_DIRS = frozenset({".git"})


def render_directory(
    app_dir: Path,
    *,
    root: Path,
    options: DirectoryOptions | None,
    env: Mapping[str, str] | None = None,
) -> RawRender:
    """Read every manifest file of `app_dir` (a directory inside `root`); `env` is Argo
    CD's build environment (`ARGOCD_APP_NAME`, ...) for Jsonnet arguments."""
    opts = options or DirectoryOptions()
    include = compile_glob(opts.include) if opts.include else None
    exclude = compile_glob(opts.exclude) if opts.exclude else None
    docs: list[tuple[Document, str]] = []
    notes: list[str] = []
    for file in _manifest_files(app_dir, recurse=opts.recurse):
        rel_to_app = file.relative_to(app_dir).as_posix()
        if exclude is not None and exclude.fullmatch(rel_to_app):
            continue
        if include is not None and not include.fullmatch(rel_to_app):
            continue
        display = _repo_relative(file, root=root)
        if file.is_symlink() and not _inside(file.resolve(), root.resolve()):
            notes.append(f"skipped {display}: symlink points outside the repository")
            continue
        try:
            if file.name.endswith(JSONNET_SUFFIX):
                parsed = evaluate(
                    file,
                    app_dir=app_dir,
                    root=root,
                    options=opts.jsonnet,
                    env=env or {},
                    display=display,
                )
            else:
                parsed = parse_file(file, display=display)
        except ManifestError as exc:
            return RawRender.failed(exc.message)
        docs.extend((doc, display) for doc in parsed)
    collected = collect(docs)
    for manifest in collected.manifests:
        problem = missing_name(manifest)
        if problem:
            return RawRender.failed(problem)
    return RawRender(manifests=collected.manifests, notes=tuple(notes) + collected.notes)


def _manifest_files(directory: Path, *, recurse: bool) -> Iterator[Path]:
    """Manifest files in lexical walk order (directories inline), as Argo CD walks them."""
    try:
        entries = sorted(directory.iterdir(), key=lambda p: p.name)
    except OSError:
        return
    for entry in entries:
        if entry.is_dir():
            if recurse and entry.name not in _SKIPPED_DIRS and not entry.is_symlink():
                yield from _manifest_files(entry, recurse=recurse)
        elif entry.name.endswith((*MANIFEST_SUFFIXES, JSONNET_SUFFIX)) and entry.is_file():
            yield entry


def _repo_relative(file: Path, *, root: Path) -> str:
    try:
        return file.relative_to(root).as_posix()
    except ValueError:
        return file.as_posix()


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def compile_glob(pattern: str) -> re.Pattern[str]:
    """Translate a glob (`*`, `**`, `?`, `[...]`, `[!...]`, `{a,b}`) into a regex."""
    return re.compile(_translate(pattern))


def _translate(pattern: str) -> str:
    out: list[str] = []
    i = 0
    depth = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            while i + 1 < len(pattern) and pattern[i + 1] == "*":
                i += 1
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch == "[":
            end = pattern.find("]", i + 2)
            if end == -1:
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        elif ch == "{":
            depth += 1
            out.append("(?:")
        elif ch == "}" and depth:
            depth -= 1
            out.append(")")
        elif ch == "," and depth:
            out.append("|")
        elif ch == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(ch))
        i += 1
    out.extend(")" * depth)
    return "".join(out)
