"""`gitops-auditor web [--host H] [--port P] [--workers N]`: the web app (dashboard, API,
Slack, webhooks, /metrics) behind gunicorn."""

from __future__ import annotations

from typing import Any

import click

from auditor.cli.common import config_env


@click.command("web")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn workers.")
@click.option("--config", "config_path", help="Config file (gitops-auditor.yaml).")
def command(host: str, port: int, workers: int, config_path: str | None) -> None:
    """Serve the web app."""
    from gunicorn.app.base import BaseApplication

    from bot import create_app

    config_env(config_path)

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", 4)
            self.cfg.set("accesslog", None)
            self.cfg.set("graceful_timeout", 20)
            # No control socket: it is one fixed path in $HOME that two servers share.
            self.cfg.set("control_socket_disable", True)

        def load(self) -> Any:
            return create_app()

    Server().run()
