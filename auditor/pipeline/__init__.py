"""The one place where the stages meet: sources -> apps -> render -> live -> diff ->
policy -> remediate -> report. `Pipeline` (in `core`) holds the adapters and the single
steps; the flows that cross stages are functions over it in the sibling modules (`audit`,
`sync`, `check`, `remediation`), which `core` never imports.
"""

from auditor.pipeline.core import Pipeline, Progress, default_cache_dir, find_app

__all__ = ["Pipeline", "Progress", "default_cache_dir", "find_app"]
