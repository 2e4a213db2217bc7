"""`gitops-auditor check` end to end on real git repositories: the example repo fails
with the planted violations, a clean repo passes, base..head checks only what changed,
bad policies exit 2 naming file and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.sources.local import commit_all, init_repo
from tests.helpers.cli import Invoke

CLEAN_APP = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Application",
    "metadata": {"name": "web", "namespace": "argocd"},
    "spec": {
        "project": "platform",
        "source": {"repoURL": "https://git.example.com/deploy.git", "path": "apps/web"},
        "destination": {"server": "https://kubernetes.default.svc", "namespace": "web"},
    },
}

CONTAINER = {
    "name": "web",
    "image": "registry.example.com/web:1.2.3",
    "resources": {
        "requests": {"cpu": "100m", "memory": "64Mi"},
        "limits": {"cpu": "1", "memory": "128Mi"},
    },
    "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
    "readinessProbe": {"httpGet": {"path": "/readyz", "port": 8080}},
    "securityContext": {
        "runAsNonRoot": True,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    },
}


def clean_repo(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    (src / "argocd").mkdir(parents=True)
    (src / "apps" / "web").mkdir(parents=True)
    (src / "argocd" / "web.yaml").write_text(yaml.safe_dump(CLEAN_APP))
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [CONTAINER]},
            },
        },
    }
    (src / "apps" / "web" / "deployment.yaml").write_text(yaml.safe_dump(deployment))
    repo = tmp_path / "repo"
    init_repo(src, repo)
    return repo


def test_example_repo_fails_with_planted_violations(invoke: Invoke, example_repo: Path) -> None:
    result = invoke("check", "--repo", str(example_repo), "-o", "json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    found = {
        (app["name"], v["policy"], v["severity"], v["waived"])
        for app in report["apps"]
        for v in app["violations"]
    }
    assert ("another-service-dev", "images/no-latest", "deny", False) in found
    assert ("another-service-dev", "probes/liveness", "deny", False) in found
    assert ("billing", "security/run-as-non-root", "deny", False) in found
    assert ("billing", "resources/cpu-limit", "warn", False) in found
    assert ("root", "argocd/automated-sync", "deny", False) in found
    assert ("another-service-dev", "security/read-only-root-filesystem", "warn", True) in found
    assert not any(
        a["name"].startswith("my-api") and v["severity"] == "deny"
        for a in report["apps"]
        for v in a["violations"]
    )
    # The 12 apps, and the two AppProjects no app renders, as entries of their own.
    assert len(report["apps"]) == 14
    assert {"AppProject/platform", "AppProject/teams"} < {a["name"] for a in report["apps"]}


def test_clean_repo_passes(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("check", "--repo", str(clean_repo(tmp_path)))
    assert result.exit_code == 0, result.output
    assert "0 deny" in result.output and ": pass" in result.output


def test_base_head_checks_changed_apps_with_diff(invoke: Invoke, example_repo: Path) -> None:
    deployment = example_repo / "apps" / "billing" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace("billing:3.0.1", "billing:latest"))
    secret = example_repo / "apps" / "billing" / "secret.yaml"
    secret.write_text(secret.read_text().replace("example-only", "changed-secret"))
    commit_all(example_repo, message="billing: latest")
    result = invoke(
        "check", "--repo", str(example_repo), "--base", "HEAD~1", "--head", "HEAD", "-o", "json"
    )
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert [a["name"] for a in report["apps"]] == ["billing"]
    diff = report["apps"][0]["diff"]
    assert "+        image: myregistry.com/billing:latest" in diff
    assert "changed-secret" not in diff and "example-only" not in diff
    assert any(v["policy"] == "images/no-latest" for v in report["apps"][0]["violations"])


def test_unchanged_head_checks_nothing(invoke: Invoke, example_repo: Path) -> None:
    result = invoke("check", "--repo", str(example_repo), "--base", "HEAD", "--head", "HEAD")
    assert result.exit_code == 0, result.output
    assert "0 app(s)" in result.output


def test_rego_syntax_error_exits_2_naming_file_and_line(
    invoke: Invoke, tmp_path: Path, example_repo: Path
) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "broken.rego").write_text(
        "package team\n\nimport rego.v1\n\ndeny contains msg if {\n"
    )
    result = invoke("check", "--repo", str(example_repo), "--policy", str(policies))
    assert result.exit_code == 2
    assert f"{policies / 'broken.rego'}:5:" in result.output
    assert "DENY" not in result.output


def test_v0_policy_exits_2(invoke: Invoke, tmp_path: Path, example_repo: Path) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "old.rego").write_text('package main\n\ndeny[msg] {\n  msg := "x"\n}\n')
    result = invoke("check", "--repo", str(example_repo), "--policy", str(policies))
    assert result.exit_code == 2
    assert "old.rego:3: Rego v0 syntax" in result.output


def test_user_policy_and_config_data(invoke: Invoke, tmp_path: Path) -> None:
    repo = clean_repo(tmp_path)
    config = tmp_path / "gitops-auditor.yaml"
    config.write_text(
        yaml.safe_dump({"policy": {"data": {"allowed_registries": ["ghcr.io/acme"]}}})
    )
    result = invoke("check", "--repo", str(repo), "--config", str(config), "-o", "github")
    assert result.exit_code == 1, result.output
    assert (
        "::error file=apps/web/deployment.yaml,line=1,title=images/allowed-registries (web)::"
        in result.output
    )


def _violations(report: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    """(entry, policy, resource name, file:line) of every violation of a JSON report."""
    return {
        (
            app["name"],
            v["policy"],
            v["resource"]["name"],
            f"{v['source']['path']}:{v['source']['line']}",
        )
        for app in report["apps"]
        for v in app["violations"]
    }


def argo_repo(tmp_path: Path, *, production_sync: dict[str, Any] | None = None) -> Path:
    """Applications beside the apps they deploy, with no app of apps: a clean staging app,
    a production one (with `production_sync` as its syncPolicy), an ApplicationSet that
    generates a production app, and two AppProjects, one of them wide open."""
    src = tmp_path / "src"
    for env in ("staging", "production"):
        app = yaml.safe_load(yaml.safe_dump(CLEAN_APP))
        app["metadata"]["name"] = f"web-{env}"
        app["spec"]["project"] = "web"
        app["spec"]["destination"]["namespace"] = env
        if env == "production" and production_sync is not None:
            app["spec"]["syncPolicy"] = production_sync
        (src / "apps" / "web" / env).mkdir(parents=True)
        (src / "apps" / "web" / env / "application.yaml").write_text(yaml.safe_dump(app))
    deployment = yaml.safe_load(
        (clean_repo(tmp_path / "clean") / "apps/web/deployment.yaml").read_text()
    )
    (src / "manifests" / "web").mkdir(parents=True)
    (src / "manifests" / "web" / "deployment.yaml").write_text(yaml.safe_dump(deployment))
    for env in ("staging", "production"):
        doc = yaml.safe_load((src / "apps" / "web" / env / "application.yaml").read_text())
        doc["spec"]["source"]["path"] = "manifests/web"
        (src / "apps" / "web" / env / "application.yaml").write_text(yaml.safe_dump(doc))
    appset = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": "jobs", "namespace": "argocd"},
        "spec": {
            "generators": [{"list": {"elements": [{"env": "production"}]}}],
            "template": {
                "metadata": {"name": "jobs-{{env}}"},
                "spec": {
                    "project": "web",
                    "source": {"repoURL": CLEAN_APP["spec"]["source"]["repoURL"],
                               "path": "manifests/web"},
                    "destination": {"server": "https://kubernetes.default.svc",
                                    "namespace": "{{env}}"},
                },
            },
        },
    }  # fmt: skip
    (src / "appsets").mkdir()
    (src / "appsets" / "jobs.yaml").write_text("# jobs per environment\n" + yaml.safe_dump(appset))
    projects = [
        {
            "metadata": {"name": "web"},
            "spec": {
                "sourceRepos": ["https://git.example.com/*"],
                "destinations": [
                    {"server": "https://kubernetes.default.svc", "namespace": env}
                    for env in ("staging", "production")
                ],
            },
        },
        {"metadata": {"name": "open"}, "spec": {"sourceRepos": ["*"]}},
    ]
    (src / "projects").mkdir()
    (src / "projects" / "projects.yaml").write_text(
        yaml.safe_dump_all(
            [{"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject", **p} for p in projects]
        )
    )
    repo = tmp_path / "repo"
    init_repo(src, repo)
    return repo


def test_argo_cd_objects_no_parent_renders_are_policy_input(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("check", "--repo", str(argo_repo(tmp_path)), "-o", "json")
    assert result.exit_code == 1, result.output
    found = _violations(json.loads(result.output))
    # The production Application beside its app, checked with that app, at its file:line.
    where = "apps/web/production/application.yaml:1"
    assert ("web-production", "argocd/automated-sync", "web-production", where) in found
    assert ("web-production", "argocd/retry", "web-production", where) in found
    assert not any(entry == "web-staging" and p.startswith("argocd/") for entry, p, _, _ in found)
    # The Application an ApplicationSet generates, at the ApplicationSet's file and line.
    generated = (
        "jobs-production",
        "argocd/automated-sync",
        "jobs-production",
        "appsets/jobs.yaml:2",
    )
    assert generated in found
    # AppProjects no app renders are entries of their own; the second document is line 4+.
    open_project = {v for v in found if v[0] == "AppProject/open"}
    assert {p for _, p, _, _ in open_project} == {"argocd/project-source-repos"}
    assert all(loc.startswith("projects/projects.yaml:") for *_, loc in open_project)
    assert not any(entry == "AppProject/web" for entry, *_ in found)


def test_a_compliant_production_application_passes_the_argo_rules(
    invoke: Invoke, tmp_path: Path
) -> None:
    sync = {
        "automated": {"selfHeal": True, "prune": True, "allowEmpty": False},
        "retry": {"limit": 3},
    }
    result = invoke("check", "--repo", str(argo_repo(tmp_path, production_sync=sync)), "-o", "json")
    found = _violations(json.loads(result.output))
    assert not any(e == "web-production" and p.startswith("argocd/") for e, p, _, _ in found)


def test_base_head_checks_an_application_whose_file_alone_changed(
    invoke: Invoke, tmp_path: Path
) -> None:
    sync = {
        "automated": {"selfHeal": True, "prune": True, "allowEmpty": False},
        "retry": {"limit": 3},
    }
    repo = argo_repo(tmp_path, production_sync=sync)
    app_file = repo / "apps" / "web" / "production" / "application.yaml"
    doc = yaml.safe_load(app_file.read_text())
    del doc["spec"]["syncPolicy"]["automated"]
    app_file.write_text(yaml.safe_dump(doc))
    commit_all(repo, message="production: manual syncs")
    result = invoke(
        "check", "--repo", str(repo), "--base", "HEAD~1", "--head", "HEAD", "-o", "json"
    )
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert [a["name"] for a in report["apps"]] == ["web-production"]
    argo = {p for _, p, _, _ in _violations(report) if p.startswith("argocd/")}
    assert argo == {"argocd/automated-sync"}


HOOK_JOB = {
    "apiVersion": "batch/v1",
    "kind": "Job",
    "metadata": {
        "generateName": "migrate-",
        "annotations": {"argocd.argoproj.io/hook": "PreSync"},
    },
    "spec": {
        "template": {
            "spec": {
                "restartPolicy": "Never",
                "containers": [
                    {
                        **CONTAINER,
                        "name": "m",
                        "image": "registry.example.com/m:latest",
                        "args": ['say "hi"', "back\\slash", "a\nb"],
                    }  # fmt: skip
                ],
            }
        }
    },
}


def test_a_hook_job_with_generate_name_and_odd_strings_is_checked(
    invoke: Invoke, tmp_path: Path
) -> None:
    repo = clean_repo(tmp_path)
    (repo / "apps" / "web" / "hook.yaml").write_text(yaml.safe_dump(HOOK_JOB))
    commit_all(repo, message="hook")
    for output in ("text", "json", "sarif", "junit", "github", "markdown"):
        result = invoke("check", "--repo", str(repo), "-o", output)
        assert result.exit_code == 1, (output, result.output)  # the deny, never a crash
    report = json.loads(invoke("check", "--repo", str(repo), "-o", "json").output)
    [web] = [a for a in report["apps"] if a["name"] == "web"]
    assert {(v["policy"], v["source"]["path"]) for v in web["violations"]} == {
        ("images/no-latest", "apps/web/hook.yaml")
    }
    assert not [v for v in web["violations"] if v["severity"] == "error"]


def test_builtin_false_and_no_policies_means_no_violations(invoke: Invoke, tmp_path: Path) -> None:
    config = tmp_path / "gitops-auditor.yaml"
    config.write_text(yaml.safe_dump({"policy": {"builtin": False}}))
    result = invoke("check", "--repo", str(clean_repo(tmp_path)), "--config", str(config))
    assert result.exit_code == 0, result.output
    assert "0 deny, 0 warn, 0 error" in result.output


BOMB = """package team.bomb

import rego.v1

deny contains msg if {
	input.kind == "Deployment"
	msg := sprintf("%d", [count(numbers.range(1, 200000000))])
}

deny_named contains msg if {
	input.kind == "Deployment"
	msg := sprintf("deployment %s", [input.metadata.name])
}
"""


def test_policy_paths_are_relative_to_the_config_file_and_a_memory_bomb_is_an_error(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "conf" / "rules").mkdir(parents=True)
    (tmp_path / "conf" / "rules" / "bomb.rego").write_text(BOMB)
    config = tmp_path / "conf" / "gitops-auditor.yaml"
    config.write_text(
        yaml.safe_dump({"policy": {"builtin": False, "paths": ["rules"], "memory_mb": 256}})
    )
    repo = clean_repo(tmp_path)
    monkeypatch.chdir(tmp_path)  # `rules` is no directory here: only the config's counts
    result = invoke("check", "--repo", str(repo), "--config", str(config), "-o", "json")
    assert result.exit_code == 2, result.output  # a policy error, never a deny or a crash
    [web] = [a for a in json.loads(result.output)["apps"] if a["name"] == "web"]
    found = {(v["policy"], v["severity"]) for v in web["violations"]}
    assert found == {("team.bomb/deny", "error"), ("team.bomb/deny_named", "deny")}


BROKEN_SET = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: previews}
spec:
  generators:
    - pullRequest: {github: {owner: example, repo: web}}
  template:
    metadata: {name: "preview-{{number}}"}
    spec:
      project: default
      source: {repoURL: https://git.example.com/deploy.git, path: apps/web}
      destination: {server: https://kubernetes.default.svc, namespace: "pr-{{number}}"}
"""


def test_apps_that_could_not_be_generated_fail_the_gate(invoke: Invoke, tmp_path: Path) -> None:
    """A merge gate must not pass what it did not check: an ApplicationSet whose apps
    could not be generated is an error entry (exit 2), unless downgraded to a warning."""
    repo = clean_repo(tmp_path)
    (repo / "argocd" / "previews.yaml").write_text(BROKEN_SET)
    commit_all(repo, message="previews")
    result = invoke("check", "--repo", str(repo), "-o", "json")
    assert result.exit_code == 2, result.output
    report = json.loads(result.output)
    entry = next(a for a in report["apps"] if a["error"])
    assert entry["name"] == "argocd/previews.yaml:1"
    assert "'pullRequest' generator is not supported" in entry["error"]
    assert report["summary"]["error"] == 1 and report["result"] == "error"

    warned = invoke("check", "--repo", str(repo), "--unrendered", "warn")
    assert warned.exit_code == 0, warned.output
    assert "  WARN   ApplicationSet previews: the 'pullRequest' generator" in warned.output
    assert warned.output.rstrip().endswith("0 deny, 1 warn, 0 error, 0 waived: pass")


def test_summary_counts_agree_with_the_rows_printed(invoke: Invoke, tmp_path: Path) -> None:
    repo = clean_repo(tmp_path)
    (repo / "argocd" / "previews.yaml").write_text(BROKEN_SET)
    ghost = dict(CLEAN_APP, metadata={"name": "ghost"})
    ghost["spec"] = {**CLEAN_APP["spec"], "source": {**CLEAN_APP["spec"]["source"], "path": "gone"}}  # type: ignore[dict-item]
    (repo / "argocd" / "ghost.yaml").write_text(yaml.safe_dump(ghost))
    commit_all(repo, message="two problems")
    result = invoke("check", "--repo", str(repo))
    assert result.exit_code == 2
    lines = result.output.splitlines()
    rows = {
        s: sum(1 for ln in lines if ln.startswith(f"  {s.upper():<6} "))
        for s in ("deny", "warn", "error")
    }
    summary = lines[-1]
    assert summary == (
        f"{rows['deny']} deny, {rows['warn']} warn, {rows['error']} error, 0 waived: error"
    )
    assert rows["error"] == 2  # the ApplicationSet and the app whose path does not exist
