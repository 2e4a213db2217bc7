"""What the web app's views use, built once per process: the service (with its store)
and the queues. Views reach it through `current()`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from flask import current_app

from auditor.config import Config
from auditor.jobs.connection import DEFAULT_URL, connect, redis_url
from auditor.jobs.queues import Jobs
from auditor.pipeline import Pipeline
from auditor.service import Service


@dataclass
class Context:
    service: Service
    redis_url: str

    @classmethod
    def from_config(cls, config: Config) -> Context:
        return cls(
            service=Service(pipeline=Pipeline.from_config(config)),
            redis_url=redis_url() or DEFAULT_URL,
        )

    @cached_property
    def jobs(self) -> Jobs:
        """The queues (connected on first use, so the app starts without Redis)."""
        return Jobs(connect(self.redis_url, check=False), config=self.service.config.service)


def current() -> Context:
    context = current_app.extensions["gitops-auditor"]
    assert isinstance(context, Context)
    return context
