"""Running a `SyncPlan` against a cluster (IO): server-side apply as `gitops-auditor`,
JSON-patch removal of fields Git no longer sets (and, for strict apps, unmanaged ones),
deletes for prunes; retries with backoff on transient errors; one object's refusal never
stops the others of its wave, but a failed wave stops the later ones (as Argo CD).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from auditor.kubemeta.media import APPLY_PATCH, JSON_PATCH
from auditor.live.client import KubeClient
from auditor.live.discovery import ResourceIndex
from auditor.live.dryrun import FIELD_MANAGER, object_path
from auditor.live.errors import ClusterError, ResourceNotFound
from auditor.model import ActionKind, ObjectAction, Retry
from auditor.remediate.paths import parse_path, pointer
from auditor.remediate.plan import ApplyStep, PruneStep, SkipStep, Step, SyncPlan
from auditor.remediate.retry import delays


@dataclass(frozen=True)
class _Outcome:
    ok: bool
    status: int
    body: Any
    attempts: int
    message: str = ""


class Applier:
    """Runs plans against one cluster; `sleep` is injected so tests never wait."""

    def __init__(
        self,
        *,
        client: KubeClient,
        index: ResourceIndex,
        retry: Retry | None = None,
        force: bool = True,
        field_manager: str = FIELD_MANAGER,
        sleep: Callable[[float], None],
    ) -> None:
        self.client = client
        self.index = index
        self.delays = delays(retry)
        self.force = force
        self.field_manager = field_manager
        self.sleep = sleep

    def run(self, plan: SyncPlan) -> list[ObjectAction]:
        """Execute every step in order; a failed wave leaves the later waves unrun."""
        actions: list[ObjectAction] = []
        failed_wave: int | None = None
        for step in plan.steps:
            if failed_wave is not None and step.wave > failed_wave and _writes(step):
                actions.append(
                    ObjectAction(
                        key=step.key,
                        action=ActionKind.SKIPPED,
                        reason=f"not run: wave {failed_wave} failed",
                        wave=step.wave,
                    )
                )
                continue
            action = self._run_step(step)
            if action.action == ActionKind.FAILED and failed_wave is None:
                failed_wave = step.wave
            actions.append(action)
        return actions

    def _run_step(self, step: Step) -> ObjectAction:
        if isinstance(step, SkipStep):
            return ObjectAction(
                key=step.key,
                action=ActionKind.SKIPPED,
                reason=step.reason,
                wave=step.wave,
                manager=step.manager,
            )
        if isinstance(step, PruneStep):
            return self._prune(step)
        return self._apply(step)

    def _apply(self, step: ApplyStep) -> ObjectAction:
        try:
            path = object_path(self.index, step.key, str(step.body.get("apiVersion") or ""))
        except ClusterError as exc:
            return _failed(step, exc.message, attempts=0)
        query = [("fieldManager", self.field_manager)]
        if self.force:
            query.append(("force", "true"))
        outcome = self._send(
            "PATCH",
            path,
            query=query,
            body=json.dumps(dict(step.body)),
            content_type=APPLY_PATCH,
            what=f"apply {step.key}",
        )
        if not outcome.ok:
            return _failed(step, outcome.message, attempts=outcome.attempts)
        attempts = outcome.attempts
        ops = removal_ops(outcome.body, step.removals)
        if ops:
            removed = self._send(
                "PATCH",
                path,
                query=[("fieldManager", self.field_manager)],
                body=json.dumps(ops),
                content_type=JSON_PATCH,
                what=f"remove fields of {step.key}",
            )
            attempts += removed.attempts
            if not removed.ok:
                return _failed(step, f"applied, but {removed.message}", attempts=attempts)
        return ObjectAction(
            key=step.key,
            action=ActionKind.APPLIED,
            reason=step.reason,
            changes=step.changes,
            wave=step.wave,
            attempts=attempts,
        )

    def _prune(self, step: PruneStep) -> ObjectAction:
        try:
            path = object_path(self.index, step.key)
        except ClusterError as exc:
            return _failed(step, exc.message, attempts=0)
        options = {
            "apiVersion": "v1",
            "kind": "DeleteOptions",
            "propagationPolicy": step.propagation,
        }
        outcome = self._send(
            "DELETE",
            path,
            query=[("propagationPolicy", step.propagation)],
            body=json.dumps(options),
            what=f"prune {step.key}",
            gone_ok=True,
        )
        if not outcome.ok:
            return _failed(step, outcome.message, attempts=outcome.attempts)
        note = " (already gone)" if outcome.status == 404 else ""
        last = ", PruneLast" if step.last else ""
        return ObjectAction(
            key=step.key,
            action=ActionKind.PRUNED,
            reason=f"Extra: deleted, propagation {step.propagation}{last}{note}",
            wave=step.wave,
            attempts=outcome.attempts,
        )

    def _send(
        self,
        method: str,
        path: str,
        *,
        query: list[tuple[str, str]],
        body: str,
        content_type: str = "application/json",
        what: str,
        gone_ok: bool = False,
    ) -> _Outcome:
        """One write, retried while the error is retryable, per the backoff schedule
        (waiting at least what the server's `Retry-After` asks)."""
        attempts = 0
        message = ""
        wait = 0.0
        for planned in [0.0, *self.delays]:
            wait = max(wait, planned)
            if wait:
                self.sleep(wait)
            attempts += 1
            try:
                status, data = self.client.request(
                    method,
                    path,
                    query=query,
                    body=body,
                    content_type=content_type,
                    verb=method.lower(),
                    what=what,
                )
            except ResourceNotFound as exc:
                if gone_ok:
                    return _Outcome(True, 404, None, attempts)
                return _Outcome(False, 404, None, attempts, exc.message)
            except ClusterError as exc:
                message = exc.message
                if not exc.retryable:
                    return _Outcome(False, exc.status or 0, None, attempts, message)
                wait = exc.retry_after or 0.0
                continue
            return _Outcome(True, status, data, attempts)
        retries = attempts - 1
        return _Outcome(False, 0, None, attempts, f"{message} (gave up after {retries} retries)")


def removal_ops(obj: Any, paths: tuple[str, ...]) -> list[dict[str, Any]]:
    """JSON-patch ops removing `paths` (those present) from `obj`, the object just applied;
    list entries removed from the highest index down so earlier removals don't shift them."""
    found = []
    for text in paths:
        target = pointer(obj, parse_path(text))
        if target is not None:
            found.append(target)
    ops: list[dict[str, Any]] = []
    for target in sorted(set(found), key=_pointer_sort_key, reverse=True):
        ops.append({"op": "remove", "path": target})
    return ops


def _pointer_sort_key(target: str) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, int(t)) if t.isdigit() else (1, t) for t in target.split("/"))


def _writes(step: Step) -> bool:
    return not isinstance(step, SkipStep)


def _failed(step: ApplyStep | PruneStep, message: str, *, attempts: int) -> ObjectAction:
    return ObjectAction(
        key=step.key,
        action=ActionKind.FAILED,
        reason=message,
        changes=step.changes if isinstance(step, ApplyStep) else (),
        wave=step.wave,
        attempts=attempts,
    )
