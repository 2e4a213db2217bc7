"""Which API server an app's destination means, and a `KubeClient` for it.

A destination resolves, in order, to: a cluster of the config (its kubeconfig and
context), `in-cluster` (the current kubeconfig context, `--context`, or the in-cluster
service account), a kubeconfig context with the destination's name, or a kubeconfig
context whose cluster has the destination's server URL. Several kubeconfig files are read
as kubectl does (`KUBECONFIG=a:b`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.config.config_exception import ConfigException

from auditor.config import ClusterConfig, Config
from auditor.live.client import KubeClient
from auditor.live.errors import ClusterNotConfigured
from auditor.model import IN_CLUSTER_NAME


def default_kubeconfig(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return env.get("KUBECONFIG") or str(Path.home() / ".kube" / "config")


class ClusterRegistry:
    """Builds and caches one `KubeClient` per cluster name."""

    def __init__(
        self,
        *,
        config: Config,
        kubeconfig: str | None = None,
        context: str | None = None,
    ) -> None:
        self.config = config
        self.kubeconfig = kubeconfig or default_kubeconfig()
        self.context = context
        self._clients: dict[str, KubeClient] = {}
        self._lock = threading.Lock()

    def client(self, cluster: str) -> KubeClient:
        with self._lock:
            if cluster not in self._clients:
                self._clients[cluster] = KubeClient(
                    name=cluster,
                    api=self._api_client(cluster),
                    timeout=self.config.timeouts.request_seconds,
                    retries=self.config.timeouts.read_retries,
                )
            return self._clients[cluster]

    def requests(self) -> int:
        return sum(c.requests for c in self._clients.values())

    def _api_client(self, cluster: str) -> k8s.ApiClient:
        configured = self.config.cluster(cluster) or self.config.cluster_by_server(cluster)
        if configured is not None:
            return self._configured(configured)
        if cluster == IN_CLUSTER_NAME:
            return self._in_cluster()
        contexts = self._contexts()
        if cluster in contexts:
            return self._from_kubeconfig(self.kubeconfig, cluster)
        by_server = self._context_for_server(cluster)
        if by_server:
            return self._from_kubeconfig(self.kubeconfig, by_server)
        raise ClusterNotConfigured(
            f"no cluster {cluster!r}: add it to `clusters` in gitops-auditor.yaml "
            "or name a kubeconfig context after it"
        )

    def _configured(self, cluster: ClusterConfig) -> k8s.ApiClient:
        kubeconfig = str(Path(cluster.kubeconfig).expanduser()) if cluster.kubeconfig else None
        context = cluster.context or None
        if context is None and cluster.server:
            context = self._context_for_server(cluster.server, kubeconfig=kubeconfig)
        if context is None and not cluster.kubeconfig:
            raise ClusterNotConfigured(
                f"cluster {cluster.name!r} has no kubeconfig or context, and no kubeconfig "
                f"context points at {cluster.server or 'its server'}"
            )
        return self._from_kubeconfig(kubeconfig or self.kubeconfig, context)

    def _in_cluster(self) -> k8s.ApiClient:
        if self.context or self._contexts():
            return self._from_kubeconfig(self.kubeconfig, self.context)
        if os.environ.get("KUBERNETES_SERVICE_HOST"):
            configuration = k8s.Configuration()
            k8s_config.load_incluster_config(client_configuration=configuration)
            return k8s.ApiClient(configuration)
        raise ClusterNotConfigured(
            "no kubeconfig found for the in-cluster destination: set KUBECONFIG or --context"
        )

    def _from_kubeconfig(self, kubeconfig: str, context: str | None) -> k8s.ApiClient:
        configuration = k8s.Configuration()
        try:
            k8s_config.load_kube_config(
                config_file=kubeconfig,
                context=context,
                client_configuration=configuration,
                persist_config=False,
            )
        except (ConfigException, OSError, TypeError) as exc:
            where = f"context {context!r} of " if context else ""
            raise ClusterNotConfigured(f"cannot use {where}kubeconfig {kubeconfig}: {exc}") from exc
        configuration.retries = 0  # an unreachable cluster fails fast; callers decide on retries
        return k8s.ApiClient(configuration)

    def _merged(self, kubeconfig: str | None = None) -> Mapping[str, Any]:
        """Clusters and contexts of all kubeconfig files, merged as kubectl does (the
        first file that names an entry wins)."""
        merged: dict[str, dict[str, Any]] = {"clusters": {}, "contexts": {}}
        for part in (kubeconfig or self.kubeconfig).split(os.pathsep):
            path = Path(part).expanduser()
            if not part or not path.is_file():
                continue
            try:
                doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except yaml.MarkedYAMLError as exc:
                line = exc.problem_mark.line + 1 if exc.problem_mark else "?"
                raise ClusterNotConfigured(
                    f"{path}:{line}: invalid YAML in kubeconfig: {exc.problem}"
                ) from exc
            except (yaml.YAMLError, OSError) as exc:
                reason = getattr(exc, "strerror", None) or type(exc).__name__
                raise ClusterNotConfigured(f"cannot read kubeconfig {path}: {reason}") from exc
            for section in ("clusters", "contexts"):
                for entry in doc.get(section) or []:
                    if isinstance(entry, Mapping) and "name" in entry:
                        merged[section].setdefault(str(entry["name"]), dict(entry))
        return {k: list(v.values()) for k, v in merged.items()}

    def _contexts(self) -> set[str]:
        return {str(c["name"]) for c in self._merged().get("contexts") or []}

    def _context_for_server(self, server: str, *, kubeconfig: str | None = None) -> str | None:
        doc = self._merged(kubeconfig)
        wanted = server.rstrip("/")
        clusters = {
            c["name"]
            for c in doc.get("clusters") or []
            if str((c.get("cluster") or {}).get("server", "")).rstrip("/") == wanted
        }
        for ctx in doc.get("contexts") or []:
            if (ctx.get("context") or {}).get("cluster") in clusters:
                return str(ctx["name"])
        return None
