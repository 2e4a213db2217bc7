"""The render stage: an app's desired manifests from a checkout (Directory, Kustomize, Helm).

The pipeline builds one `Renderer` and calls `render` per app; `RenderStats` counts renders,
cache hits and the kubectl/helm processes started.
"""

from auditor.render.context import RenderContext, default_capabilities
from auditor.render.renderer import Renderer, RenderStats, deduplicate

__all__ = ["RenderContext", "Renderer", "RenderStats", "deduplicate", "default_capabilities"]
