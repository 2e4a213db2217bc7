"""Options every command shares and the one construction of the service from them.

`service_options` adds `--repo`, `--revision`, `--config` (and, for commands that read
clusters, `--kubeconfig`, `--context`) and passes the command a ready `Service` (closed,
its policy workers stopped, when the command ends) and the `Target` to read.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from auditor import jsonio
from auditor.config import ENV_PREFIX, load_config
from auditor.errors import ConfigError
from auditor.logs import configure_logging
from auditor.pipeline import Pipeline
from auditor.service import Service, Target

F = TypeVar("F", bound=Callable[..., Any])

REPO_OPTIONS = (
    click.option("--repo", help="Repository path or URL (default: config, else .)."),
    click.option("--revision", help="Branch, tag or SHA (default: the working tree)."),
    click.option("--config", "config_path", help="Config file (gitops-auditor.yaml)."),
)
CLUSTER_OPTIONS = (
    click.option("--kubeconfig", help="kubeconfig file(s) (default: $KUBECONFIG)."),
    click.option("--context", help="kubeconfig context of the in-cluster destination."),
)


def service_options(*, clusters: bool) -> Callable[[F], F]:
    """Add the source (and cluster) options; call the command with `service` and `target`."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(
            *args: Any,
            repo: str | None,
            revision: str | None,
            config_path: str | None,
            kubeconfig: str | None = None,
            context: str | None = None,
            **kwargs: Any,
        ) -> Any:
            service = build_service(config_path, kubeconfig=kubeconfig, context=context)
            target = Target(repo=repo, revision=revision)
            return func(*args, service=service, target=target, **kwargs)

        decorated: Any = wrapper
        for option in reversed(REPO_OPTIONS + (CLUSTER_OPTIONS if clusters else ())):
            decorated = option(decorated)
        return decorated  # type: ignore[no-any-return]

    return decorate


def build_service(
    config_path: str | None, *, kubeconfig: str | None = None, context: str | None = None
) -> Service:
    """The service of this command; closed (policy workers stopped) when the command ends."""
    config = load_config(config_path)
    ctx = click.get_current_context()
    debug = bool(ctx.find_root().params.get("debug"))
    configure_logging(config.log, debug=debug)
    service = Service(pipeline=Pipeline.from_config(config, kubeconfig=kubeconfig, context=context))
    ctx.call_on_close(service.close)
    return service


def config_env(config_path: str | None) -> None:
    """Make `--config` the config of this process and the processes it starts; the
    service's processes log what they do (INFO), not only warnings."""
    auditor_log = logging.getLogger("auditor")
    if auditor_log.getEffectiveLevel() > logging.INFO:
        auditor_log.setLevel(logging.INFO)
    if config_path:
        if not Path(config_path).is_file():
            raise ConfigError(f"config file {config_path} not found")
        os.environ[ENV_PREFIX + "CONFIG"] = str(Path(config_path).resolve())


def echo_json(data: Any) -> None:
    click.echo(jsonio.pretty(data))
