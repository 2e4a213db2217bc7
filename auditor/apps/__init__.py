"""Apps as the repo declares them: Argo CD Applications, ApplicationSets and AppProjects.

`discover(...)` reads a tree and returns a `Discovery`; nothing here touches a cluster.
"""

from auditor.apps.discover import discover, normalize_repo_url

__all__ = ["discover", "normalize_repo_url"]
