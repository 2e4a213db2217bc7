"""The pull-request gate: the policy check of a change (`Service.check` on `base..head`)
reported where the change is reviewed. The head commit gets a commit status (context
`gitops-auditor/check`: `pending` while the check runs, then `success` or `failure`) and
the PR (GitLab: merge request) one comment with the verdict and the desired-manifest
diff. The comment is edited in place on every new push, never posted again: its id is
remembered in the store (notifier `pr-comment`, keyed by repository and number).

The forge is the configured `remediation.forge`; a delivery from another kind of forge,
or no forge configured, is an error in the summary and nothing is posted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from auditor.errors import AuditorError
from auditor.forge import ReviewForge
from auditor.forge.factory import forge_from_config
from auditor.report.policy.markdown import LIMIT, render_markdown
from auditor.report.policy.model import CheckOutcome, CheckReport

if TYPE_CHECKING:
    from auditor.service.service import Service

CONTEXT = "gitops-auditor/check"
NOTIFIER = "pr-comment"
STATES = {CheckOutcome.PASS: "success", CheckOutcome.FAIL: "failure"}


def gate_change(
    service: Service,
    *,
    kind: str,
    number: int,
    base: str,
    head: str,
    forge: ReviewForge | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Check `base..head` of the audited repo and report it on PR `number` of the
    configured forge (of `kind`, github or gitlab); returns a JSON-able summary. A check
    that cannot run marks the head `error` and raises (the job fails visibly)."""
    summary: dict[str, Any] = {"forge": kind, "number": number, "base": base, "head": head}
    settings = service.config.remediation.forge
    if settings is None:
        return {**summary, "error": "remediation.forge is not configured"}
    if settings.kind != kind:
        return {**summary, "error": f"remediation.forge is {settings.kind}, not {kind}"}
    client = forge or forge_from_config(settings, timeout=service.config.timeouts.forge_seconds)
    client.set_status(head, state="pending", context=CONTEXT, description="checking the change")
    try:
        report = service.check(repo=service.target["repo"], base=base, head=head)
    except AuditorError as exc:
        why = f"could not check: {exc.message}"
        client.set_status(head, state="error", context=CONTEXT, description=why[:140])
        raise
    state = STATES.get(report.outcome, "failure")
    client.set_status(head, state=state, context=CONTEXT, description=describe(report))
    body, truncated = comment_body(report)
    store = service.store
    known = store.sent_message(NOTIFIER, settings.repo, str(number))
    ident = client.comment(number, body, existing=known.message if known else None)
    store.remember_message(
        NOTIFIER,
        settings.repo,
        str(number),
        app="",
        message=ident,
        event_id=0,
        at=now or datetime.now(UTC),
    )
    return {
        **summary,
        "outcome": str(report.outcome),
        "state": state,
        "comment": ident,
        "edited": known is not None and known.message == ident,
        "truncated": truncated,
        "apps": [app.name for app in report.apps],
    }


def describe(report: CheckReport) -> str:
    """The status line: the verdict and its counts (GitHub keeps 140 characters)."""
    counts = ", ".join(f"{report.total(s)} {s}" for s in ("deny", "warn", "error"))
    apps = len(report.apps)
    return f"{report.outcome}: {counts} in {apps} app{'s' if apps != 1 else ''}"[:140]


def comment_body(report: CheckReport) -> tuple[str, bool]:
    """The comment: the first of the report's markdown comments, and whether the rest
    was left out (said at its end)."""
    chunks = render_markdown(report, limit=LIMIT - 1000)  # room for the note
    if len(chunks) == 1:
        return chunks[0], False
    note = (
        f"\n_Only part 1 of {len(chunks)} is shown: the report is longer than one comment. "
        "Run `gitops-auditor check` on this change for all of it._\n"
    )
    return chunks[0] + note, True
