"""`/metrics`: the whole service's Prometheus metrics (see `auditor.jobs.metrics`), read
from the store and Redis at each scrape, so every web process gives the same answer."""

from __future__ import annotations

from flask import Blueprint, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from auditor.jobs.metrics import ServiceCollector
from auditor.jobs.queues import QUEUES
from bot.context import current

metrics = Blueprint("metrics", __name__)


@metrics.get("/metrics")
def scrape() -> Response:
    context = current()
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ServiceCollector(context.service.store, context.jobs.redis, queues=QUEUES))
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
