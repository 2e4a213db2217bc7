"""Forges where remediation pull requests are opened: the `Forge` port, `GitHubForge`
(PyGithub) and `GitLabForge` (python-gitlab), one file per forge, and `open_or_update`,
which keeps one open PR per branch; `ReviewForge` adds commit statuses and PR comments."""

from auditor.forge.port import Forge, ForgeError, PullRequest, ReviewForge, open_or_update

__all__ = ["Forge", "ForgeError", "PullRequest", "ReviewForge", "open_or_update"]
