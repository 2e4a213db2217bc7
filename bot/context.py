"""What the web app's views use, built once per process: the service (with its store)
and the queues. Views reach it through `current()`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

from flask import current_app

from auditor.config import Config
from auditor.jobs.connection import DEFAULT_URL, connect, redis_url
from auditor.jobs.queues import Enqueued, Jobs
from auditor.logs import current_request_id
from auditor.pipeline import Pipeline
from auditor.service import Service
from auditor.service.operations import ApprovalRequired, authorize_app
from auditor.service.rbac import SYNC
from auditor.store.records import Actor, AppState, LogEntry


@dataclass
class Context:
    service: Service
    redis_url: str

    @classmethod
    def from_config(cls, config: Config) -> Context:
        return cls(
            service=Service(pipeline=Pipeline.from_config(config)),
            redis_url=redis_url() or DEFAULT_URL,
        )

    @cached_property
    def jobs(self) -> Jobs:
        """The queues (connected on first use, so the app starts without Redis)."""
        return Jobs(connect(self.redis_url, check=False), config=self.service.config.service)

    def request_sync(
        self, actor: Actor, state: AppState, *, prune: bool, dry_run: bool
    ) -> Enqueued:
        """A sync of the app asked for on the web or the API: `Forbidden` (logged) unless
        the RBAC policy lets `actor` sync it, `ApprovalRequired` (logged) for a real sync
        that `rbac.approvals` gives to two people; else enqueued as `actor` and logged."""
        service = self.service
        authorize_app(service, actor, action=SYNC, project=state.project, app=state.name)
        if not dry_run and service.approval_required(
            app=state.name, project=state.project, cluster=state.cluster
        ):
            service.store.log(
                LogEntry(actor=actor, action="sync", target=state.name,
                         result="approval-required"),
                at=datetime.now(UTC),
            )  # fmt: skip
            raise ApprovalRequired(
                f"a sync of {state.name} needs a second operator's approval: ask for it with "
                f"`/gitops sync {state.name}` in Slack (a dry run needs none)"
            )
        job = self.jobs.sync(
            state.name,
            arguments={
                "user": actor.user,
                "via": actor.via,
                "source": actor.source,
                "groups": list(actor.groups),
                "prune": prune,
                "dry_run": dry_run,
                "request_id": current_request_id(),
            },
        )
        service.store.log(
            LogEntry(actor=actor, action="sync-dry-run" if dry_run else "sync",
                     target=state.name, result="enqueued", detail={"job": job.id}),
            at=datetime.now(UTC),
        )  # fmt: skip
        return job


def current() -> Context:
    context = current_app.extensions["gitops-auditor"]
    assert isinstance(context, Context)
    return context
