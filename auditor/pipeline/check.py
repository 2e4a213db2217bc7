"""`check` composition: the apps a change affects (App manifest changed, rendered output
differs, or the render fails at head), their policies on the desired state at head, and
the desired-manifest diff, as a `CheckReport`. Called through `Pipeline.check`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from auditor.errors import AuditorError
from auditor.model import App, Discovery, RenderedApp, Resource
from auditor.pipeline.core import Pipeline, default_cache_dir
from auditor.policy import PolicySet, PolicyTarget, build_runner, load_policy_set
from auditor.policy.live import app_context
from auditor.report.policy.manifest_diff import manifest_diff
from auditor.report.policy.model import CheckedApp, CheckReport, RuleDoc
from auditor.sources import Checkout

Checked = tuple[App, RenderedApp, str]


def check(
    pipeline: Pipeline,
    *,
    repo: str | None = None,
    base: str | None = None,
    head: str | None = None,
    policy_dirs: Sequence[str] = (),
    today: date | None = None,
) -> CheckReport:
    """Policies on the desired state of the apps `base..head` affects (every app of the
    working tree without `base`); errors of one app stay that app's."""
    if head and not base:
        raise AuditorError("--head needs --base (without both, the working tree is checked)")
    cfg = pipeline.config.policy
    policies = load_policy_set(builtin=cfg.builtin, paths=[*cfg.paths, *policy_dirs], data=cfg.data)
    runner = build_runner(
        policies, config=cfg, cache_dir=default_cache_dir(pipeline.config) / "policy"
    )
    try:
        if base:
            found, notes, span = _changed(pipeline, repo=repo, base=base, head=head)
        else:
            found, notes, span = _everything(pipeline, repo=repo)
        targets = [_target(app, rendered) for app, rendered, _ in found if not rendered.error]
        results = {r.app: r for r in runner.run(targets, today=today or date.today())}
    finally:
        runner.engine.close()
        if runner.pool is not None:
            runner.pool.close()
    checked = []
    for app, rendered, diff in found:
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
    return CheckReport(
        apps=tuple(checked), base=span[0], head=span[1], rules=rule_docs(policies), notes=notes
    )


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
    return PolicyTarget(app=app.name, context=app_context(app), resources=rendered.resources)


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
