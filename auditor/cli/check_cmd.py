"""`gitops-auditor check`: the policy gate for a pull request or CI.

Finds the apps a change affects (App manifest changed, rendered output differs, or the
render fails at head), evaluates the policies on their desired state at head, shows the
desired-manifest diff, and exits like conftest: 0 pass, 1 deny, 2 error.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import date
from typing import Any

import click

from auditor.cli.common import build_pipeline
from auditor.errors import AuditorError
from auditor.model import App, Discovery, RenderedApp, Resource
from auditor.pipeline import Pipeline, default_cache_dir
from auditor.policy import PolicySet, PolicyTarget, build_runner, load_policy_set
from auditor.report.policy import FORMATS, CheckedApp, CheckReport, RuleDoc, render_check
from auditor.report.policy.manifest_diff import manifest_diff
from auditor.sources import Checkout


@click.command("check")
@click.option("--repo", help="Repository path or URL (default: config, else .).")
@click.option("--base", help="Base revision (the PR's target); with --head, check what changed.")
@click.option("--head", help="Head revision (default HEAD when --base is given).")
@click.option("-o", "--output", type=click.Choice(FORMATS), default="text")
@click.option("--config", "config_path", help="Config file (gitops-auditor.yaml).")
@click.option("--policy", "policy_dirs", multiple=True, help="Extra policy directory (repeatable).")
def command(
    repo: str | None,
    base: str | None,
    head: str | None,
    output: str,
    config_path: str | None,
    policy_dirs: tuple[str, ...],
) -> None:
    """Evaluate policies on the desired state of the apps a change affects."""
    pipeline = build_pipeline(config_path)
    cfg = pipeline.config.policy
    policies = load_policy_set(builtin=cfg.builtin, paths=[*cfg.paths, *policy_dirs], data=cfg.data)
    runner = build_runner(
        policies, config=cfg, cache_dir=default_cache_dir(pipeline.config) / "policy"
    )
    try:
        if base:
            report_apps, notes, span = _changed(pipeline, repo=repo, base=base, head=head)
        else:
            if head:
                raise AuditorError(
                    "--head needs --base (without both, the working tree is checked)"
                )
            report_apps, notes, span = _everything(pipeline, repo=repo)
        targets = [_target(app, rendered) for app, rendered, _ in report_apps if not rendered.error]
        results = {r.app: r for r in runner.run(targets, today=date.today())}
    finally:
        runner.engine.close()
        if runner.pool is not None:
            runner.pool.close()
    checked = []
    for app, rendered, diff in report_apps:
        result = results.get(app.name)
        checked.append(
            CheckedApp(
                name=app.name,
                path=app.source.path,
                violations=result.violations if result else (),
                diff=diff,
                error=rendered.error,
                notes=tuple(rendered.notes) + (result.notes if result else ()),
            )
        )
    report = CheckReport(
        apps=tuple(checked), base=span[0], head=span[1], rules=rule_docs(policies), notes=notes
    )
    color = output == "text" and sys.stdout.isatty()
    for document in render_check(report, fmt=output, color=color):
        click.echo(document, nl=False, color=color)
    sys.exit(report.exit_code)


Checked = tuple[App, RenderedApp, str]


def _everything(
    pipeline: Pipeline, *, repo: str | None
) -> tuple[list[Checked], tuple[str, ...], tuple[str, str]]:
    checkout = pipeline.checkout(repo or ".", None)
    discovery = pipeline.discover(checkout)
    out = [(app, pipeline.render(app, checkout), "") for app in discovery.apps]
    return out, discovery.problems, ("", "")


def _changed(
    pipeline: Pipeline, *, repo: str | None, base: str, head: str | None
) -> tuple[list[Checked], tuple[str, ...], tuple[str, str]]:
    url = repo or "."
    head_co = pipeline.checkout(url, head or "HEAD")
    base_co = pipeline.checkout(url, base)
    changed = set(pipeline.sources.changed_files(url, base=base_co.revision, head=head_co.revision))
    head_found = pipeline.discover(head_co)
    base_found = pipeline.discover(base_co)
    out: list[Checked] = []
    for app in head_found.apps:
        rendered = pipeline.render(app, head_co)
        before = _base_render(pipeline, base_found, base_co, app=app)
        if not _affected(app, rendered=rendered, before=before, changed=changed):
            continue
        base_resources = before.resources if before and not before.error else None
        diff = (
            ""
            if rendered.error
            else manifest_diff(base_resources, rendered.resources, app=app.name)
        )
        out.append((app, rendered, diff))
    return out, head_found.problems, (base_co.revision, head_co.revision)


def _base_render(
    pipeline: Pipeline, found: Discovery, checkout: Checkout, *, app: App
) -> RenderedApp | None:
    before = found.app(app.name)
    return pipeline.render(before, checkout) if before is not None else None


def _affected(
    app: App, *, rendered: RenderedApp, before: RenderedApp | None, changed: set[str]
) -> bool:
    if rendered.error or before is None or before.error:
        return True
    if app.origin is not None and app.origin.path in changed:
        return True
    return _bodies(before.resources) != _bodies(rendered.resources)


def _bodies(resources: Sequence[Resource]) -> list[Any]:
    return sorted((str(r.key), repr(r.body)) for r in resources)


def _target(app: App, rendered: RenderedApp) -> PolicyTarget:
    labels = dict(app.labels)
    context = {
        "name": app.name,
        "project": app.project,
        "cluster": app.cluster,
        "namespace": app.destination.namespace,
        "environment": labels.get("environment", ""),
        "labels": labels,
    }
    return PolicyTarget(app=app.name, context=context, resources=rendered.resources)


def rule_docs(policies: PolicySet) -> dict[str, RuleDoc]:
    """Policy id -> title, description and severity, from the rules' METADATA."""
    docs: dict[str, RuleDoc] = {}
    for module in policies.modules:
        for rule in module.decision_rules:
            meta = rule.metadata
            custom = meta.get("custom") if isinstance(meta.get("custom"), dict) else {}
            pid = str((custom or {}).get("id") or f"{module.package}/{rule.name}")
            docs[pid] = RuleDoc(
                id=pid,
                title=str(meta.get("title") or ""),
                description=str(meta.get("description") or "").strip(),
                severity="warn" if rule.name.startswith("warn") else "deny",
            )
    return docs
