"""The config file: defaults, validation errors naming file and key, env overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.config import load_config
from auditor.errors import ConfigError
from auditor.model import Mode


def write(tmp_path: Path, text: str) -> Path:
    file = tmp_path / "gitops-auditor.yaml"
    file.write_text(text)
    return file


def test_no_file_gives_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(None, env={})
    assert config.repos == () and config.clusters == ()
    assert config.tracking.instance_label_key == "app.kubernetes.io/instance"


def test_full_file_is_read(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        """
repos:
  - url: https://github.com/acme/deploy.git
    aliases: [git@github.com:acme/deploy.git]
clusters:
  - name: production
    server: https://prod.example.com
    context: prod
    labels: {env: production}
apps:
  - name: legacy
    path: legacy/app
    cluster: production
remediation:
  default: report
  apps: {legacy: pr}
""",
    )
    config = load_config(file, env={})
    assert config.cluster("production") is not None
    assert config.cluster_by_server("https://prod.example.com/").name == "production"  # type: ignore[union-attr]
    assert config.apps[0].cluster == "production"
    assert config.remediation.apps == {"legacy": Mode.PR}


def test_unknown_key_names_file_and_key(tmp_path: Path) -> None:
    file = write(tmp_path, "clusters:\n  - name: a\n    sever: https://x\n")
    with pytest.raises(ConfigError) as info:
        load_config(file, env={})
    assert str(info.value) == f"{file}: clusters.0.sever: unknown key"


def test_bad_value_names_key_and_value(tmp_path: Path) -> None:
    file = write(tmp_path, "remediation:\n  default: fix-it\n")
    with pytest.raises(ConfigError, match=r"remediation\.default: .*'fix-it'"):
        load_config(file, env={})


def test_invalid_yaml_names_line(tmp_path: Path) -> None:
    file = write(tmp_path, "repos:\n  - url: a\n   bad: [\n")
    with pytest.raises(ConfigError, match=rf"{file}:3: invalid YAML"):
        load_config(file, env={})


def test_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml", env={})


def test_env_overrides_nested_keys(tmp_path: Path) -> None:
    file = write(tmp_path, "remediation:\n  default: report\n")
    config = load_config(
        file,
        env={
            "GITOPS_AUDITOR_REMEDIATION__DEFAULT": "heal",
            "GITOPS_AUDITOR_CACHE_DIR": "/var/cache/ga",
            "GITOPS_AUDITOR_GIT_TOKEN": "not-a-config-key",
        },
    )
    assert config.remediation.default == Mode.HEAL
    assert config.cache_dir == "/var/cache/ga"


def test_env_unknown_key_names_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="GITOPS_AUDITOR_CLUSTRES: unknown config key"):
        load_config(write(tmp_path, ""), env={"GITOPS_AUDITOR_CLUSTRES": "[]"})


def test_env_bad_value_is_reported_against_environment(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"environment .*remediation\.default"):
        load_config(write(tmp_path, ""), env={"GITOPS_AUDITOR_REMEDIATION__DEFAULT": "x"})


def test_config_from_env_path(tmp_path: Path) -> None:
    file = write(tmp_path, "cache_dir: /tmp/x\n")
    assert load_config(None, env={"GITOPS_AUDITOR_CONFIG": str(file)}).cache_dir == "/tmp/x"
