"""The remediate stage: heal drift (server-side apply and prune, planned purely, then
applied through the cluster client) and adopt it (write live values back to Git).

`plan_sync` is pure; `apply_plan` does the requests; the pipeline composes them.
"""

from auditor.remediate.plan import (
    ApplyStep,
    PlanOptions,
    PruneStep,
    SkipStep,
    Step,
    SyncPlan,
    plan_sync,
)

__all__ = [
    "ApplyStep",
    "PlanOptions",
    "PruneStep",
    "SkipStep",
    "Step",
    "SyncPlan",
    "plan_sync",
]
