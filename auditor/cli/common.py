"""Options every command shares (`--repo`, `--revision`, `--config`) and the
construction of the pipeline from them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

from auditor.config import load_config
from auditor.pipeline import Pipeline

F = TypeVar("F", bound=Callable[..., Any])


def repo_options(func: F) -> F:
    """Add the common source options to a command."""
    for option in reversed(
        [
            click.option("--repo", help="Repository path or URL (default: config, else .)."),
            click.option("--revision", help="Branch, tag or SHA (default: the working tree)."),
            click.option("--config", "config_path", help="Config file (gitops-auditor.yaml)."),
        ]
    ):
        func = option(func)
    return func


def build_pipeline(config_path: str | None) -> Pipeline:
    return Pipeline.from_config(load_config(config_path))


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=False, default=str))


def cluster_options(func: F) -> F:
    """Add the options that choose how clusters are reached."""
    for option in reversed(
        [
            click.option("--kubeconfig", help="kubeconfig file(s) (default: $KUBECONFIG)."),
            click.option("--context", help="kubeconfig context of the in-cluster destination."),
        ]
    ):
        func = option(func)
    return func


def build_cluster_pipeline(
    config_path: str | None, *, kubeconfig: str | None, context: str | None
) -> Pipeline:
    """A pipeline that reads clusters; closed (policy workers stopped) when the command ends."""
    pipeline = Pipeline.from_config(
        load_config(config_path), kubeconfig=kubeconfig, context=context
    )
    click.get_current_context().call_on_close(pipeline.close)
    return pipeline
