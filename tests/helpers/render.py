"""Builders for render tests: an app of the test repo and a Deployment manifest."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from auditor.model import App, AppSource, Destination

REPO_URL = "https://git.example.com/org/deployments.git"

Write = Callable[[str, str], Path]


def make_app(
    path: str,
    *,
    namespace: str = "default",
    name: str = "app",
    repo_url: str = REPO_URL,
    **source: Any,
) -> App:
    return App(
        name=name,
        project="default",
        source=AppSource(repo_url=repo_url, path=path, **source),
        destination=Destination(server="https://kubernetes.default.svc", namespace=namespace),
        cluster="in-cluster",
    )


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
