"""Helpers for the render tests: an app factory and a file writer into tmp_path."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from auditor.model import App, AppSource, Destination

REPO_URL = "https://git.example.com/org/deployments.git"
EXAMPLE_REPO = Path(__file__).resolve().parents[2] / "examples" / "k8s-deployments"

Write = Callable[[str, str], Path]


def make_app(path: str, *, namespace: str = "default", name: str = "app", **source: Any) -> App:
    return App(
        name=name,
        project="default",
        source=AppSource(repo_url=REPO_URL, path=path, **source),
        destination=Destination(server="https://kubernetes.default.svc", namespace=namespace),
        cluster="in-cluster",
    )


@pytest.fixture
def write(tmp_path: Path) -> Write:
    """Write dedented text to a path relative to tmp_path (the repo root)."""

    def _write(rel: str, text: str) -> Path:
        file = tmp_path / rel
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return file

    return _write


def deployment(
    name: str, *, image: str = "nginx:1.25", replicas: int = 1, namespace: str = ""
) -> str:
    ns = f"namespace: {namespace}" if namespace else ""
    return f"""
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: {name}
      {ns}
      labels:
        app: {name}
    spec:
      replicas: {replicas}
      selector:
        matchLabels:
          app: {name}
      template:
        metadata:
          labels:
            app: {name}
        spec:
          containers:
            - name: {name}
              image: {image}
    """
