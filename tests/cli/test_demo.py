"""`demo`, the README's main command, as a new user runs it: the facts it shows (apps
found, statuses, who made each change, the heal and the pull request), not its wording."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.pipeline import Pipeline
from tests.helpers import EXAMPLE_REPO

pytestmark = pytest.mark.slow


def section(out: str, title: str) -> str:
    """The text of one `== title` section of the tour."""
    start = out.index(f"== {title}")
    end = out.find("\n== ", start + 1)
    return out[start : end if end >= 0 else len(out)]


def table(text: str, first_column: str) -> list[dict[str, str]]:
    """The rows of the aligned table whose header starts with `first_column`, as dicts
    (columns cut at the header's offsets)."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(first_column + " "))
    header = lines[at]
    columns = list(re.finditer(r"\S+(?: \S+)*", header))  # names may hold one space
    starts = [m.start() for m in columns]
    names = [m.group() for m in columns]
    rows = []
    for line in lines[at + 1 :]:
        if not line.strip():
            break
        cells = [line[a:b].strip() for a, b in zip(starts, [*starts[1:], None], strict=True)]
        rows.append(dict(zip(names, cells, strict=True)))
    return rows


@pytest.fixture(scope="module")
def tour() -> str:
    exe = Path(sys.executable).parent / "gitops-auditor"
    proc = subprocess.run([str(exe), "demo"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return proc.stdout


def test_every_app_of_the_repo_is_found_and_synced_without_false_drift(
    tour: str, pipeline: Pipeline
) -> None:
    heading = re.search(r"== (\d+) apps discovered", tour)
    assert heading is not None
    listed = {row["NAME"] for row in table(section(tour, heading.group(0)[3:]), "NAME")}
    assert len(listed) == int(heading.group(1))
    # What the repo declares with no config, plus the clusters generator's apps for the
    # demo's second cluster.
    found = pipeline.discover(pipeline.checkout(str(EXAMPLE_REPO)))
    assert {a.name for a in found.apps} < listed
    assert {"production-cert-manager", "production-monitoring"} < listed
    synced = section(tour, "Synced")
    assert f"{len(listed)} Synced" in synced and "OutOfSync" not in synced
    audited = {row["APP"] for row in table(section(tour, "gitops-auditor audit\n"), "APP ")}
    assert audited == listed


def test_the_audit_finds_each_hand_change_with_its_manager(tour: str) -> None:
    audit = section(tour, "gitops-auditor audit\n")
    status = {row["APP"]: row["SYNC"] for row in table(audit, "APP ")}
    drifted = {app for app, sync in status.items() if sync == "OutOfSync"}
    assert drifted == {"another-service-dev", "billing", "my-api-dev", "my-api-production"}
    assert status["my-api-staging"] == "Synced"  # an unmanaged label alone is not drift
    findings = {
        (row["APP"], row["FIELD"]): row
        for row in table(audit, "APP                   RESOURCE")
        if "FIELD" in row
    }
    image = findings[("my-api-production", "spec.template.spec.containers[name=my-api].image")]
    assert image["LIVE"] == "myregistry.com/my-api:v1.4.3-hotfix"
    assert image["CHANGED BY"] == "kubectl-set"
    assert findings[("my-api-staging", "metadata.labels.owner (unmanaged)")]["LIVE"] == "alice"
    assert findings[("billing", "spec.replicas")]["LIVE"] == "4"
    assert findings[("my-api-dev", "Extra")]["RESOURCE"] == "ConfigMap/debug-dump"
    assert findings[("my-api-dev", "Missing")]["RESOURCE"] == "Service/my-api"
    # The HPA controller's replicas are not drift.
    assert not any(app == "my-api-production" and "replicas" in f for app, f in findings)
    assert re.search(r"\d+ API requests \(in-cluster: \d+, production: \d+\)", audit)


def test_the_heal_and_the_adopt_pull_request(tour: str) -> None:
    heal = section(tour, "gitops-auditor sync")
    assert "audit after the heal: billing Synced, my-api-production Synced" in heal
    adopt = section(tour, "gitops-auditor audit --pr")
    assert re.search(r"branch gitops-auditor/adopt-another-service-dev-[0-9a-f]{10} pushed", adopt)
    assert re.search(
        r"pull request http://127\.0\.0\.1:\d+/mycompany/k8s-deployments/pull/1", adopt
    )
