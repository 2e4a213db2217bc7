"""The diff stage: Git's desired objects against live ones, Argo CD-compatible.

Pure functions of their inputs (no network, clock, environment or file IO at call time);
the pipeline calls `diff_app` per app, or `diff_resource` per object.
"""

from auditor.diff.engine import diff_app, diff_resource
from auditor.diff.options import DEFAULT_CONTROLLERS, DiffOptions

__all__ = ["DEFAULT_CONTROLLERS", "DiffOptions", "diff_app", "diff_resource"]
