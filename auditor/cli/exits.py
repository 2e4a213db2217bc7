"""The exit codes of every command, in one place: the engine returns outcomes (reports,
sync results, a check's verdict) and only the CLI turns them into numbers.

- `diff`, `audit`: 0 all Synced, 1 drift, 2 an app could not be compared (`Unknown`);
  after `--heal`, healed apps count as Synced and a failed heal or PR is 1.
- `sync`: 0 done and Synced (or a dry run), 1 blocked, failed or still OutOfSync, 2 the
  app could not be compared (`Unknown`: its cluster could not be read).
- `check`: conftest's 0 pass, 1 deny (or, with `--fail-on-warn`, a warning), 2 error.
- Any `AuditorError`: 2.
"""

from __future__ import annotations

from auditor.model import AuditReport, Remediation, SyncResult, SyncStatus
from auditor.report.policy.model import CheckOutcome, CheckReport

OK = 0
FAIL = 1  # drift, a deny, a sync that did not finish
ERROR = 2  # could not do what was asked
INTERRUPTED = 130


def audit_exit(report: AuditReport, remediation: Remediation | None = None) -> int:
    healed = {s.app for s in remediation.syncs if s.done} if remediation else set()
    status = [a.sync for a in report.apps if a.name not in healed]
    if SyncStatus.UNKNOWN in status:
        return ERROR
    if remediation and (
        any(not s.done for s in remediation.syncs) or any(a.error for a in remediation.adopts)
    ):
        return FAIL
    return FAIL if SyncStatus.OUT_OF_SYNC in status else OK


def sync_exit(result: SyncResult) -> int:
    if result.done:
        return OK
    return ERROR if result.sync == SyncStatus.UNKNOWN else FAIL


def check_exit(report: CheckReport, *, fail_on_warn: bool = False) -> int:
    code = {CheckOutcome.PASS: OK, CheckOutcome.FAIL: FAIL}.get(report.outcome, ERROR)
    if code == OK and fail_on_warn and report.total("warn"):
        return FAIL
    return code
