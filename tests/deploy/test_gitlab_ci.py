"""The GitLab CI job of the README: valid for the .gitlab-ci.yml schema check-jsonschema
vendors, and its script, run line by line as a GitLab runner does (each line must
succeed) on a merge request of the example repository, fails it with a code quality
report GitLab can read."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from auditor.sources.local import commit_all
from tests.helpers import ROOT


def job_template() -> dict[str, Any]:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("**GitLab CI**") :]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block is not None
    return yaml.safe_load(block.group(1))  # type: ignore[no-any-return]


def test_job_validates_against_the_gitlab_ci_schema() -> None:
    schema = json.loads(
        (files("check_jsonschema.builtin_schemas.vendor") / "gitlab-ci.json").read_text()
    )
    validator = jsonschema.Draft7Validator(schema)
    template = job_template()
    assert [e.message for e in validator.iter_errors(template)] == []
    broken = {"gitops-auditor": {**template["gitops-auditor"], "script": 42}}
    assert list(validator.iter_errors(broken))


def test_script_fails_a_merge_request_with_a_code_quality_report(example_repo: Path) -> None:
    base = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=example_repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    deployment = example_repo / "apps" / "billing" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace("billing:3.0.1", "billing:latest"))
    head = commit_all(example_repo, message="billing: latest")
    [job] = job_template().values()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": base,
        "CI_COMMIT_SHA": head,
    }
    results = [
        subprocess.run(["bash", "-c", line], cwd=example_repo, env=env, capture_output=True,
                       text=True, check=False, timeout=300)
        for line in job["script"]
    ]  # fmt: skip
    assert [r.returncode for r in results] == [0, 1], [r.stdout + r.stderr for r in results]
    assert "images/no-latest" in results[-1].stdout
    report = json.loads((example_repo / job["artifacts"]["reports"]["codequality"]).read_text())
    [issue] = [i for i in report if i["check_name"] == "images/no-latest"]
    assert issue["location"]["path"] == "apps/billing/deployment.yaml"
    assert issue["severity"] == "major" and issue["fingerprint"]
