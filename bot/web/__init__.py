"""The dashboard: server-rendered pages over the store (no script, no build step).

- `/apps`: every app with its sync status, drift count and age, unmanaged changes,
  policy badges by severity, health, cluster and project; filters and sort in the URL.
- `/apps/<app>`: its resources with status and a colored diff each, the unmanaged
  changes with who and when, violations with the rule's doc, the history of audits,
  syncs and PRs, and Sync / Dry-run / Open PR buttons for those the RBAC policy lets.
- `/fleet`: drifted apps per cluster over time (an SVG chart), the field managers behind
  the most drift, the oldest open drift.

Every page needs a signed-in user (`bot.auth`); every form carries a CSRF token. Values
come from the store, masked by the diff stage: no Secret value reaches the HTML.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from auditor.logs import current_request_id
from auditor.service.operations import (
    ApprovalRequired,
    Forbidden,
    authorize_app,
    may,
    permits,
)
from auditor.service.queries import (
    SEVERITIES,
    SORTS,
    STATUSES,
    AppQuery,
    app_detail,
    select_apps,
)
from auditor.service.rbac import GET, SYNC, UPDATE
from auditor.service.tokens import hash_token
from auditor.store.records import AppState
from bot import auth
from bot.context import current
from bot.timefmt import age
from bot.web.chart import drift_chart
from bot.web.format import diff_lines, short_time

dashboard = Blueprint(
    "dashboard",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)
PER_PAGE = 100
OPEN = ("login", "static")  # endpoints anyone may reach


@dashboard.app_template_filter("age")
def _age(moment: datetime | None) -> str:
    return age(moment, now=datetime.now(UTC)) if moment is not None else ""


dashboard.add_app_template_filter(short_time, "when")


@dashboard.before_request
def _sign_in_first() -> BaseResponse | None:
    endpoint = (request.endpoint or "").rpartition(".")[2]
    g.actor = auth.resolve(current(), via="web")
    if endpoint in OPEN:
        return None
    if g.actor is None:
        if g.by_bearer:
            abort(401)
        return redirect(url_for("dashboard.login", next=request.full_path.rstrip("?")))
    auth.protect()
    return None


@dashboard.app_context_processor
def _globals() -> dict[str, Any]:
    return {
        "actor": getattr(g, "actor", None),
        "request_id": current_request_id(),
        "severities": SEVERITIES,
    }


@dashboard.get("/")
def index() -> BaseResponse:
    return redirect(url_for("dashboard.apps"))


@dashboard.route("/login", methods=["GET", "POST"])
def login() -> BaseResponse | str:
    target = _safe_next(request.values.get("next", ""))
    if request.method == "POST":
        auth.protect()
        token = request.form.get("token", "").strip()
        actor = (
            auth.actor_of_hash(current(), hash_token(token), via="web", source="")
            if token
            else None
        )
        if actor is None:
            flash("That token is not valid (or was revoked).", "error")
            return render_template("login.html", next=target), 401  # type: ignore[return-value]
        auth.sign_in(hash_token(token))
        return redirect(target)
    return render_template("login.html", next=target)


@dashboard.post("/logout")
def logout() -> BaseResponse:
    auth.sign_out()
    return redirect(url_for("dashboard.login"))


def _safe_next(target: str) -> str:
    """Only a path on this site (no `//host`, no scheme): never an open redirect."""
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc:
        return url_for("dashboard.apps")
    return target


def _visible(state: AppState) -> bool:
    if "readable" not in g:
        g.readable = permits(current().service, g.actor, action=GET)
    return bool(g.readable(state.project, state.name))


@dashboard.get("/apps")
def apps() -> str:
    args = request.args
    sort = args.get("sort", "name")
    if sort.lstrip("-") not in SORTS:
        sort = "name"
    query = AppQuery(
        status=args.get("status", "") if args.get("status", "") in STATUSES else "",
        project=args.get("project", ""),
        cluster=args.get("cluster", ""),
        text=args.get("q", ""),
        sort=sort,
    )
    visible = [s for s in current().service.store.app_summaries() if _visible(s.state)]
    chosen = select_apps(visible, query)
    try:
        page = max(1, int(args.get("page", "1")))
    except ValueError:
        page = 1
    pages = max(1, -(-len(chosen) // PER_PAGE))
    page = min(page, pages)
    counts = {
        status: sum(1 for s in visible if s.state.sync_status == status) for status in STATUSES
    }
    return render_template(
        "apps.html",
        rows=chosen[(page - 1) * PER_PAGE : page * PER_PAGE],
        total=len(chosen),
        counts=counts,
        query=query,
        page=page,
        pages=pages,
        projects=sorted({s.state.project for s in visible}),
        clusters=sorted({s.state.cluster for s in visible}),
        statuses=STATUSES,
        sorts=SORTS,
        args={k: v for k, v in args.items() if k != "page"},
    )


def _state_or_404(name: str) -> AppState:
    state = current().service.store.app(name)
    if state is None or not _visible(state):
        abort(404)
    return state


@dashboard.get("/apps/<name>")
def app(name: str) -> str:
    state = _state_or_404(name)
    context = current()
    store = context.service.store
    detail = app_detail(store, state) or {}
    resources = detail.get("resources", [])
    for resource in resources:
        resource["lines"] = diff_lines(str(resource.get("diff") or ""))
    unmanaged = [
        {"resource": resource, **field}
        for resource in resources
        for field in resource.get("unmanaged", [])
    ]
    service = context.service
    return render_template(
        "app.html",
        state=state,
        detail=detail,
        resources=resources,
        unmanaged=unmanaged,
        violations=store.violations(app=name),
        docs=service.rule_docs,
        runs=store.runs(app=name, limit=20),
        syncs=store.syncs(app=name, limit=20),
        pulls=store.pull_requests(app=name, limit=20),
        can_sync=may(service, g.actor, action=SYNC, project=state.project, app=name),
        can_pr=may(service, g.actor, action=UPDATE, project=state.project, app=name)
        and service.config.remediation.forge is not None,
    )


@dashboard.post("/apps/<name>/sync")
def sync(name: str) -> BaseResponse | tuple[str, int]:
    state = _state_or_404(name)
    dry_run = request.form.get("dry_run") == "1"
    try:
        job = current().request_sync(g.actor, state, prune=False, dry_run=dry_run)
    except Forbidden as exc:
        return render_template("refused.html", message=exc.message, app=name), 403
    except ApprovalRequired as exc:
        return render_template("refused.html", message=exc.message, app=name), 409
    what = "Dry-run" if dry_run else "Sync"
    if job.new:
        flash(f"{what} of {name} enqueued (job {job.id}).", "ok")
    else:
        flash(f"A sync of {name} is already waiting (job {job.id}).", "ok")
    return redirect(url_for("dashboard.app", name=name))


@dashboard.post("/apps/<name>/pr")
def pull_request(name: str) -> BaseResponse | tuple[str, int]:
    state = _state_or_404(name)
    context = current()
    actor = g.actor
    try:
        authorize_app(context.service, actor, action=UPDATE, project=state.project, app=name)
    except Forbidden as exc:
        return render_template("refused.html", message=exc.message, app=name), 403
    job = context.jobs.adopt(name, arguments={"user": actor.user, "via": actor.via})
    flash(f"A pull request for {name}'s live changes is being opened (job {job.id}).", "ok")
    return redirect(url_for("dashboard.app", name=name))


@dashboard.get("/fleet")
def fleet() -> str:
    store = current().service.store
    try:
        days = min(30, max(1, int(request.args.get("days", "7"))))
    except ValueError:
        days = 7
    until = datetime.now(UTC)
    timeline = store.drift_timeline(since=until - timedelta(days=days), until=until, points=49)
    oldest = [a for a in store.oldest_drift(limit=50) if _visible(a)][:10]
    return render_template(
        "fleet.html",
        chart=drift_chart(timeline),
        timeline=timeline,
        days=days,
        managers=store.top_managers(limit=10),
        oldest=oldest,
    )
