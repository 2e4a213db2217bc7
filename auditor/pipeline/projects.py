"""AppProject rules in the flows: what an app's project forbids it (its repos, destination,
the kinds and namespaces of its rendered objects), and the render an audit or sync then
works on: an error with Argo CD's reasons, so the app is Unknown, never compared, synced
or pruned. The rules themselves are `auditor.apps.projects` (pure).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from auditor.apps.projects import ProjectBreach, app_breaches, project_of, resource_breaches
from auditor.config import Config
from auditor.model import IN_CLUSTER_NAME, IN_CLUSTER_SERVER, App, Project, RenderedApp, Resource
from auditor.pipeline.core import Pipeline


def breaches(
    pipeline: Pipeline, app: App, rendered: RenderedApp, *, projects: Sequence[Project]
) -> list[tuple[Resource | None, ProjectBreach]]:
    """What the app's AppProject forbids it, as Argo CD checks it: its repos and
    destination, then each rendered object's kind and namespace."""
    project = project_of(app, projects)
    server, name = destination_of(pipeline.config, app)
    found: list[tuple[Resource | None, ProjectBreach]] = [
        (None, b) for b in app_breaches(app, project, server=server, name=name)
    ]
    found += resource_breaches(project, rendered.resources, server=server, name=name)
    return found


def gated(
    pipeline: Pipeline, app: App, rendered: RenderedApp, *, projects: Sequence[Project]
) -> RenderedApp:
    """The render, or (when the project forbids the app) an error with Argo CD's reasons:
    such an app is Unknown, never compared, synced or pruned."""
    if rendered.error:
        return rendered
    found = breaches(pipeline, app, rendered, projects=projects)
    if not found:
        return rendered
    reasons = "; ".join(dict.fromkeys(b.message for _, b in found))
    return replace(rendered, resources=(), error=reasons)


def destination_of(config: Config, app: App) -> tuple[str, str]:
    """The destination cluster's (server, name), as Argo CD resolves one from the other."""
    dest = app.destination
    configured = config.cluster(dest.name or app.cluster) or config.cluster_by_server(dest.server)
    server = dest.server or (configured.server if configured else "")
    name = dest.name or (configured.name if configured else "")
    if not server and name == IN_CLUSTER_NAME:
        server = IN_CLUSTER_SERVER
    if not name and server.rstrip("/") == IN_CLUSTER_SERVER:
        name = IN_CLUSTER_NAME
    return server, name
