"""The configured forge (`remediation.forge` in gitops-auditor.yaml): GitHub or GitLab,
its API URL, repository and the environment variable holding the token."""

from __future__ import annotations

import os
from collections.abc import Mapping

from auditor.config import ForgeConfig
from auditor.errors import ConfigError
from auditor.forge.github import GitHubForge
from auditor.forge.gitlab import GitLabForge
from auditor.forge.port import ReviewForge
from auditor.secretenv import read_secret


def forge_from_config(
    config: ForgeConfig, *, env: Mapping[str, str] | None = None, timeout: float = 60.0
) -> ReviewForge:
    """The forge of the config; every API call of it ends within `timeout` seconds."""
    env = os.environ if env is None else env
    token = ""
    if config.token_env:
        token = read_secret(config.token_env, env=env)
        if not token:
            raise ConfigError(
                f"remediation.forge.token_env: environment variable {config.token_env} "
                f"(or {config.token_env}_FILE) is not set"
            )
    if config.kind == "github":
        return GitHubForge(repo=config.repo, token=token, base_url=config.url, timeout=timeout)
    return GitLabForge(repo=config.repo, token=token, url=config.url, timeout=timeout)
