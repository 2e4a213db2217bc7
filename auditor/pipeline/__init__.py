"""The one place where the stages meet: sources -> apps -> render -> live -> diff ->
policy -> remediate -> report. `Pipeline` (in `core`) holds the adapters; the flows that
cross stages (`audit`, ...) are the sibling modules of this package.
"""

from auditor.pipeline.core import Pipeline, Progress, default_cache_dir

__all__ = ["Pipeline", "Progress", "default_cache_dir"]
