"""The GitHub Action (action.yml): its metadata validates against the action.yml schema
that check-jsonschema vendors (SchemaStore's github-action), and its steps' commands,
run as the runner runs them (bash, GITHUB_PATH, GITHUB_OUTPUT, inputs through env), install
gitops-auditor and check the example repository: annotations, SARIF, outcome, exit code.
`uses:` steps (actions/setup-python) cannot run here: the test puts a Python on PATH
instead, as that step does."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from auditor.sources.local import commit_all, init_repo
from tests.helpers import EXAMPLE_REPO, ROOT

pytestmark = pytest.mark.slow

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
# What a checkout of the Action holds that the runner never needs.
NOT_IN_CHECKOUT = shutil.ignore_patterns(
    ".venv", ".git", "__pycache__", ".*_cache", "build", "*.egg-info", "tests", "bench"
)


def schema() -> dict[str, Any]:
    text = (files("check_jsonschema.builtin_schemas.vendor") / "github-actions.json").read_text()
    return json.loads(text)  # type: ignore[no-any-return]


def test_metadata_validates_against_the_action_schema() -> None:
    validator = jsonschema.Draft7Validator(schema())
    assert [e.message for e in validator.iter_errors(ACTION)] == []
    broken = copy.deepcopy(ACTION)
    broken["runs"]["using"] = "bash"
    assert list(validator.iter_errors(broken))  # the schema does check `runs`


def test_inputs_and_outputs() -> None:
    assert set(ACTION["inputs"]) == {
        "repo", "base", "head", "policies", "fail-on", "config", "sarif-file", "python-version",
    }  # fmt: skip
    assert set(ACTION["outputs"]) == {"outcome", "sarif-file"}
    uses = [s["uses"] for s in ACTION["runs"]["steps"] if "uses" in s]
    assert uses == ["actions/setup-python@v5"]


class Runner:
    """Runs the Action's `run:` steps as a GitHub runner does, on one workspace."""

    def __init__(self, tmp: Path, workspace: Path) -> None:
        self.workspace = workspace
        self.action_path = tmp / "action"
        shutil.copytree(ROOT, self.action_path, ignore=NOT_IN_CHECKOUT)
        self.temp = tmp / "runner-temp"
        self.temp.mkdir()
        python = tmp / "python-bin"  # what actions/setup-python puts on PATH
        python.mkdir()
        (python / "python").symlink_to(getattr(sys, "_base_executable", sys.executable))
        self.path = [str(python)]
        self.files = tmp

    def step(
        self, name: str, inputs: dict[str, str] | None = None
    ) -> tuple[int, str, dict[str, str]]:
        """Run step `name` with `inputs` over the defaults; its exit code, stdout, outputs."""
        [step] = [s for s in ACTION["runs"]["steps"] if s.get("name") == name]
        values = {k: v.get("default", "") for k, v in ACTION["inputs"].items()} | (inputs or {})
        output = self.files / "github-output"
        output.write_text("")
        path_file = self.files / "github-path"
        path_file.write_text("")
        env = {
            **os.environ,
            "PATH": os.pathsep.join([*self.path, os.environ["PATH"]]),
            "GITHUB_ACTION_PATH": str(self.action_path),
            "GITHUB_WORKSPACE": str(self.workspace),
            "RUNNER_TEMP": str(self.temp),
            "GITHUB_OUTPUT": str(output),
            "GITHUB_PATH": str(path_file),
        }
        for key, value in step.get("env", {}).items():
            env[key] = EXPRESSION.sub(lambda m: self.evaluate(m.group(1), values), str(value))
        script = self.files / "step.sh"
        script.write_text(step["run"])
        assert step["shell"] == "bash"
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.workspace, env=env, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        self.path = [*path_file.read_text().split(), *self.path]
        outputs = dict(
            line.split("=", 1) for line in output.read_text().splitlines() if "=" in line
        )
        return proc.returncode, proc.stdout + proc.stderr, outputs

    @staticmethod
    def evaluate(expression: str, values: dict[str, str]) -> str:
        assert expression.startswith("inputs."), f"unsupported expression {expression}"
        return values[expression.removeprefix("inputs.")]


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runner]:
    tmp = tmp_path_factory.mktemp("action")
    workspace = tmp / "workspace"
    init_repo(EXAMPLE_REPO, workspace)
    runner = Runner(tmp, workspace)
    code, out, _ = runner.step("Install gitops-auditor")
    assert code == 0, out
    yield runner


def test_install_puts_gitops_auditor_on_path(runner: Runner) -> None:
    [venv_bin] = runner.path[:1]
    for tool in ("gitops-auditor", "kubectl", "helm"):
        assert (Path(venv_bin) / tool).is_file(), tool
    assert Path(venv_bin).is_relative_to(runner.temp)


def test_check_of_the_example_repo_fails_with_annotations_and_sarif(runner: Runner) -> None:
    code, out, outputs = runner.step("Check policies")
    assert code == 1, out
    assert outputs == {"outcome": "fail", "sarif-file": "gitops-auditor.sarif"}
    assert "::error file=apps/another-service/base/deployment.yaml," in out
    assert "title=images/no-latest (another-service-dev)::" in out
    sarif = json.loads((runner.workspace / "gitops-auditor.sarif").read_text())
    results = sarif["runs"][0]["results"]
    assert sarif["version"] == "2.1.0" and results
    assert any(r["ruleId"] == "images/no-latest" for r in results)


def test_base_head_policies_and_fail_on(runner: Runner, tmp_path: Path) -> None:
    repo = runner.workspace
    patch = repo / "apps" / "my-api" / "overlays" / "production" / "patch-replicas.yaml"
    patch.write_text(patch.read_text().replace("replicas: 5", "replicas: 6"))
    commit_all(repo, message="my-api: 6 replicas in production")
    change = {"base": "HEAD~1", "head": "HEAD", "sarif-file": str(tmp_path / "pr.sarif")}
    code, out, outputs = runner.step("Check policies", change)
    assert code == 0 and outputs["outcome"] == "pass", out
    assert "::notice::gitops-auditor check: 0 deny" in out
    policies = tmp_path / "team-policies"
    policies.mkdir()
    (policies / "replicas.rego").write_text(
        "package team.replicas\n\nimport rego.v1\n\n"
        "warn_many contains msg if {\n"
        '  input.kind == "Deployment"\n  input.spec.replicas > 5\n'
        '  msg := "more than 5 replicas"\n}\n'
    )
    warned = {**change, "policies": f"\n{policies}\n"}
    code, out, outputs = runner.step("Check policies", warned)
    assert code == 0 and "more than 5 replicas" in out, out
    code, out, outputs = runner.step("Check policies", {**warned, "fail-on": "warn"})
    assert code == 1 and outputs["outcome"] == "fail", out
    code, out, _ = runner.step("Check policies", {**change, "fail-on": "info"})
    assert code == 2 and "fail-on must be deny or warn" in out
