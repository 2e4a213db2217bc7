"""Jsonnet files of a Directory app, evaluated as Argo CD's repo-server does: with
go-jsonnet (Argo CD's own implementation, through its `gojsonnet` binding), the app's
ext vars and top-level arguments (string or code; `$ARGOCD_APP_*` substituted), imports
relative to the app directory, then each `libs` path relative to the repository root.

Called by `directory.py` for every `*.jsonnet` file; a failure is the app's error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from auditor.errors import ManifestError
from auditor.manifests import Document
from auditor.model import JsonnetOptions

_VAR = re.compile(r"\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))")


def envsubst(text: str, env: Mapping[str, str]) -> str:
    """Go's os.Expand as Argo CD applies its build environment: `$VAR` and `${VAR}` are
    replaced (an unknown one by nothing), `$$` is a `$`."""

    def value(m: re.Match[str]) -> str:
        if m.group(1) == "$":
            return "$"
        return env.get(m.group(2) or m.group(3) or "", "")

    return _VAR.sub(value, text)


def evaluate(
    file: Path,
    *,
    app_dir: Path,
    root: Path,
    options: JsonnetOptions | None,
    env: Mapping[str, str],
    display: str,
) -> list[Document]:
    """The objects one Jsonnet file evaluates to (an array gives one per element)."""
    import _gojsonnet

    opts = options or JsonnetOptions()
    jpaths = [str(app_dir)]
    for lib in opts.libs:
        path = (root / lib).resolve()
        if path != root and root not in path.parents:
            raise ManifestError(f"jsonnet lib {lib!r} is outside the repository", path=display)
        jpaths.append(str(path))
    kwargs: dict[str, dict[str, str]] = {
        "ext_vars": {},
        "ext_codes": {},
        "tla_vars": {},
        "tla_codes": {},
    }
    for kind, found in (("ext", opts.ext_vars), ("tla", opts.tlas)):
        for name, raw, code in found:
            kwargs[f"{kind}_{'codes' if code else 'vars'}"][name] = envsubst(raw, env)
    try:
        # The same JPaths as Argo CD (app dir, then libs); go-jsonnet searches the last first.
        output = _gojsonnet.evaluate_file(str(file), jpathdir=jpaths, **kwargs)
    except RuntimeError as exc:
        message = str(exc).replace(f"{root}/", "").strip().splitlines()
        raise ManifestError(f"jsonnet: {message[0] if message else exc}", path=display) from exc
    value: Any = json.loads(output)
    items = value if isinstance(value, list) else [value]
    return [Document(body=item, line=1) for item in items]
