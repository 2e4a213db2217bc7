"""Paths and loaders shared by the tests: the repository's own test data and example repo.

Every test reads data through these names, so the suite needs nothing outside the
repository (a plain clone passes its tests).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_REPO = ROOT / "examples" / "k8s-deployments"
DATA = ROOT / "tests" / "data"
ARGOCD_DIFF = DATA / "argocd-diff"
ARGOCD_HEALTH = DATA / "argocd-health"
KUBESIM_DATA = DATA / "kubesim"
WEBHOOKS = DATA / "webhooks"


def load(path: Path) -> dict[str, Any]:
    """One JSON or YAML object from a test data file."""
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    assert isinstance(data, dict), f"{path} holds no object"
    return data


def argocd_diff(name: str) -> dict[str, Any]:
    """A file of `argocd-diff/` (desired or live object of one case)."""
    return load(ARGOCD_DIFF / name)
