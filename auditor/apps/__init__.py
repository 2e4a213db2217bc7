"""Apps as the repo declares them: Argo CD Applications, ApplicationSets and AppProjects.

`discover(...)` reads a tree and returns a `Discovery`; nothing here touches a cluster.
"""

from auditor.apps.discover import (
    ARGO_MARK,
    adopt_children,
    discover,
    normalize_repo_url,
    renders_applications,
)

__all__ = ["ARGO_MARK", "adopt_children", "discover", "normalize_repo_url", "renders_applications"]
