"""Destinations resolve to API servers from config and kubeconfig files (no connection)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from auditor.config import ClusterConfig, Config
from auditor.live import ClusterNotConfigured, ClusterRegistry


def kubeconfig(path: Path, contexts: dict[str, str], current: str) -> Path:
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": n, "cluster": {"server": s}} for n, s in contexts.items()],
                "users": [{"name": "u", "user": {"token": "t"}}],
                "contexts": [{"name": n, "context": {"cluster": n, "user": "u"}} for n in contexts],
                "current-context": current,
            }
        )
    )
    return path


def test_in_cluster_is_the_current_context(tmp_path: Path) -> None:
    kc = kubeconfig(
        tmp_path / "kc", {"dev": "http://127.0.0.1:1", "prod": "http://127.0.0.1:2"}, "dev"
    )
    registry = ClusterRegistry(config=Config(), kubeconfig=str(kc))
    assert registry.client("in-cluster").server == "http://127.0.0.1:1"
    pinned = ClusterRegistry(config=Config(), kubeconfig=str(kc), context="prod")
    assert pinned.client("in-cluster").server == "http://127.0.0.1:2"


def test_destination_name_matches_a_context_and_server_url_a_cluster(tmp_path: Path) -> None:
    a = kubeconfig(tmp_path / "a", {"dev": "http://127.0.0.1:1"}, "dev")
    b = kubeconfig(tmp_path / "b", {"production": "https://prod.example.com:6443"}, "production")
    registry = ClusterRegistry(config=Config(), kubeconfig=f"{a}:{b}")
    assert registry.client("production").server == "https://prod.example.com:6443"
    assert (
        registry.client("https://prod.example.com:6443").server == "https://prod.example.com:6443"
    )


def test_configured_cluster_uses_its_kubeconfig_and_context(tmp_path: Path) -> None:
    kc = kubeconfig(
        tmp_path / "kc", {"ctx-a": "http://127.0.0.1:7", "ctx-b": "http://127.0.0.1:8"}, "ctx-a"
    )
    config = Config(clusters=(ClusterConfig(name="eu", kubeconfig=str(kc), context="ctx-b"),))
    assert ClusterRegistry(config=config, kubeconfig="/nonexistent").client("eu").server == (
        "http://127.0.0.1:8"
    )


def test_configured_cluster_found_by_server(tmp_path: Path) -> None:
    kc = kubeconfig(tmp_path / "kc", {"x": "https://eu.example.com"}, "x")
    config = Config(clusters=(ClusterConfig(name="eu", server="https://eu.example.com"),))
    registry = ClusterRegistry(config=config, kubeconfig=str(kc))
    assert registry.client("eu").server == "https://eu.example.com"


def test_unknown_cluster_is_a_clear_error(tmp_path: Path) -> None:
    kc = kubeconfig(tmp_path / "kc", {"dev": "http://127.0.0.1:1"}, "dev")
    registry = ClusterRegistry(config=Config(), kubeconfig=str(kc))
    with pytest.raises(ClusterNotConfigured, match="no cluster 'staging'"):
        registry.client("staging")


def test_no_kubeconfig_for_in_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    registry = ClusterRegistry(config=Config(), kubeconfig=str(tmp_path / "none"))
    with pytest.raises(ClusterNotConfigured, match="no kubeconfig found"):
        registry.client("in-cluster")


def test_malformed_kubeconfig_is_one_line_naming_file_and_line(tmp_path: Path) -> None:
    kc = tmp_path / "kc"
    kc.write_text("apiVersion: v1\nkind: Config\nfoo: [\n")
    registry = ClusterRegistry(config=Config(), kubeconfig=str(kc))
    with pytest.raises(ClusterNotConfigured) as info:
        registry.client("staging")
    assert "\n" not in info.value.message
    assert info.value.message.startswith(f"{kc}:4: invalid YAML in kubeconfig")


def test_in_cluster_service_account_without_kubeconfig(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Running as a pod: no kubeconfig, the service account's token and the API's address
    from the environment (files at their standard paths, here in a temp dir)."""
    import kubernetes.config.incluster_config as incluster

    token, cert = tmp_path / "token", tmp_path / "ca.crt"
    token.write_text("sa-token")
    cert.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    monkeypatch.setattr(incluster, "SERVICE_TOKEN_FILENAME", str(token))
    monkeypatch.setattr(incluster, "SERVICE_CERT_FILENAME", str(cert))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    registry = ClusterRegistry(config=Config(), kubeconfig=str(tmp_path / "none"))
    client = registry.client("in-cluster")
    assert client.server == "https://10.96.0.1:443"
    auth = client.api.configuration.api_key.get("BearerToken")
    assert auth is not None and auth.lower() == "bearer sa-token"
