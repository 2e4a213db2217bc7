"""The config file: defaults, validation errors naming file and key, env overrides."""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Literal, get_args, get_origin

import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from auditor.config import Config, load_config
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


def test_env_overrides_list_items_by_index(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        "clusters:\n  - name: production\n    context: prod\n  - name: staging\n",
    )
    config = load_config(
        file,
        env={
            "GITOPS_AUDITOR_CLUSTERS__1__KUBECONFIG": "/etc/kube/staging.yaml",
            "GITOPS_AUDITOR_CLUSTERS__2__NAME": "dev",
            "GITOPS_AUDITOR_CLUSTERS__2__SERVER": "https://dev.example.com",
        },
    )
    assert [(c.name, c.context, c.kubeconfig) for c in config.clusters] == [
        ("production", "prod", ""),
        ("staging", "", "/etc/kube/staging.yaml"),
        ("dev", "", ""),
    ]
    assert config.cluster_by_server("https://dev.example.com") is not None


def test_env_list_index_past_the_end_is_an_error(tmp_path: Path) -> None:
    file = write(tmp_path, "clusters:\n  - name: production\n")
    with pytest.raises(ConfigError, match=r"clusters\.3: no such item \(clusters has 1; index 1"):
        load_config(file, env={"GITOPS_AUDITOR_CLUSTERS__3__NAME": "x"})


def test_env_overrides_deeply_nested_keys(tmp_path: Path) -> None:
    config = load_config(
        write(tmp_path, "remediation:\n  loop_guard: {max_heals: 3}\n"),
        env={
            "GITOPS_AUDITOR_REMEDIATION__LOOP_GUARD__WINDOW_SECONDS": "60",
            "GITOPS_AUDITOR_REMEDIATION__APPS": "{billing: heal}",
            "GITOPS_AUDITOR_POLICY__DATA__ALLOWED_REGISTRIES": "[registry.example.com]",
            "GITOPS_AUDITOR_LOG__LEVEL": "info",
        },
    )
    assert config.remediation.loop_guard.max_heals == 3
    assert config.remediation.loop_guard.window_seconds == 60
    assert config.remediation.apps == {"billing": Mode.HEAL}
    assert config.policy.data == {"allowed_registries": ["registry.example.com"]}
    assert config.log.level == "INFO"


def env_value(field: FieldInfo) -> tuple[str, object] | None:
    """A value other than the default for a scalar field, as text and as parsed; None for
    lists and maps (covered by the tests above)."""
    kind, default = field.annotation, field.default
    if get_origin(kind) is Literal:
        choice = next(c for c in get_args(kind) if c != default)
        return str(choice), choice
    if isinstance(kind, type) and issubclass(kind, Enum):
        member = next(m for m in kind if m != default)
        return str(member.value), member
    if kind is bool:
        return str(not default).lower(), not default
    if kind is int:
        return str(default + 1), default + 1
    if kind is float:
        return str(default + 1.5), default + 1.5
    if kind is str:
        return "/from/the/environment", "/from/the/environment"
    return None


def test_every_scalar_key_comes_from_the_environment(tmp_path: Path) -> None:
    """Each scalar key of every section, set through its GITOPS_AUDITOR_ variable,
    arrives with its type (a new section or key is covered as soon as it exists)."""

    def leaves(
        model: type[BaseModel], prefix: tuple[str, ...]
    ) -> Iterator[tuple[tuple[str, ...], FieldInfo]]:
        for name, field in model.model_fields.items():
            kind = field.annotation
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                yield from leaves(kind, (*prefix, name))
            else:
                yield (*prefix, name), field

    file = write(tmp_path, "")
    checked = []
    for key, field in leaves(Config, ()):
        sample = env_value(field)
        if sample is None:
            continue
        raw, expected = sample
        name = "GITOPS_AUDITOR_" + "__".join(k.upper() for k in key)
        value: object = load_config(file, env={name: raw})
        for k in key:
            value = getattr(value, k)
        assert value == expected, name
        checked.append(".".join(key))
    assert {"log.format", "diff.server_side", "policy.engine", "cache_dir"} <= set(checked)


def test_secret_variables_are_not_config_keys(tmp_path: Path) -> None:
    """Credentials in the environment (or their _FILE twins) never trip the unknown-key
    check, including the forge token variable the config names."""
    file = write(
        tmp_path,
        "remediation:\n  forge: {kind: github, repo: a/b, token_env: GITOPS_AUDITOR_GITHUB_PAT}\n",
    )
    config = load_config(
        file,
        env={
            "GITOPS_AUDITOR_GIT_TOKEN_FILE": "/run/secrets/git",
            "GITOPS_AUDITOR_API_TOKEN": "api",
            "GITOPS_AUDITOR_FORGE_TOKEN": "forge",
            "GITOPS_AUDITOR_GITHUB_PAT": "pat",
            "GITOPS_AUDITOR_GIT_SSH_KEY": "/home/me/.ssh/id",
        },
    )
    assert config.remediation.forge is not None


def test_env_file_variant_reads_a_value_from_a_mounted_file(tmp_path: Path) -> None:
    token = tmp_path / "opa-token"
    token.write_text("s3cr3t-token\n")
    config = load_config(
        write(tmp_path, "policy:\n  engine: opa\n"),
        env={"GITOPS_AUDITOR_POLICY__OPA_TOKEN_FILE": str(token)},
    )
    assert config.policy.opa_token == "s3cr3t-token"


def test_env_file_variant_names_the_variable_when_unreadable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(
            write(tmp_path, ""),
            env={"GITOPS_AUDITOR_POLICY__OPA_TOKEN_FILE": str(tmp_path / "missing")},
        )
    assert str(info.value).startswith("GITOPS_AUDITOR_POLICY__OPA_TOKEN_FILE: cannot read ")


def test_log_section_validates_format(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"log\.format"):
        load_config(write(tmp_path, "log:\n  format: xml\n"), env={})
