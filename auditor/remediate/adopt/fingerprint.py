"""The identity of a remediation PR: a short hash of the app and its sorted drifted
(resource, path, live value) set, and the branch named after it. Same drift, same PR."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from auditor.model import ResourceDrift, ResourceStatus

BRANCH_PREFIX = "gitops-auditor/adopt-"


def fingerprint(app: str, drifts: Iterable[ResourceDrift], *, length: int = 10) -> str:
    items = sorted(
        (str(d.key), c.path, json.dumps(c.live, sort_keys=True, default=str))
        for d in drifts
        if d.status == ResourceStatus.OUT_OF_SYNC
        for c in d.changes
    )
    digest = hashlib.sha256(json.dumps([app, items]).encode()).hexdigest()
    return digest[:length]


def branch_name(app: str, print_: str) -> str:
    return f"{BRANCH_PREFIX}{app}-{print_}"
