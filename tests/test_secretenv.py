"""Secrets from the environment or mounted files: NAME, else the file NAME_FILE names."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.config import ForgeConfig
from auditor.errors import ConfigError
from auditor.forge.factory import forge_from_config
from auditor.secretenv import is_secret_variable, kept_key, read_secret, secret_is_set
from auditor.sources.git import Credentials
from auditor.store.sql import database_url


def test_value_from_the_environment() -> None:
    assert read_secret("SLACK_BOT_TOKEN", env={"SLACK_BOT_TOKEN": "xoxb-1"}) == "xoxb-1"


def test_value_from_a_mounted_file_without_its_trailing_newline(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("xoxb-from-file\n")
    env = {"SLACK_BOT_TOKEN_FILE": str(secret)}
    assert read_secret("SLACK_BOT_TOKEN", env=env) == "xoxb-from-file"
    assert secret_is_set("SLACK_BOT_TOKEN", env=env)


def test_inner_whitespace_of_a_file_is_kept(tmp_path: Path) -> None:
    secret = tmp_path / "key"
    secret.write_text("line one\nline two\r\n")
    assert read_secret("K", env={"K_FILE": str(secret)}) == "line one\nline two"


def test_unset_gives_the_default() -> None:
    assert read_secret("SLACK_BOT_TOKEN", env={}) == ""
    assert read_secret("SLACK_BOT_TOKEN", env={}, default="none") == "none"
    assert not secret_is_set("SLACK_BOT_TOKEN", env={})


def test_both_set_is_an_error_naming_both_not_the_value(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-secret-value", "SLACK_BOT_TOKEN_FILE": "/run/x"}
    with pytest.raises(ConfigError) as info:
        read_secret("SLACK_BOT_TOKEN", env=env)
    assert "SLACK_BOT_TOKEN and SLACK_BOT_TOKEN_FILE" in str(info.value)
    assert "xoxb-secret-value" not in str(info.value)


def test_unreadable_file_names_the_variable_and_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(ConfigError, match=f"DATABASE_URL_FILE: cannot read {missing}: "):
        read_secret("DATABASE_URL", env={"DATABASE_URL_FILE": str(missing)})


def test_known_secret_variables() -> None:
    assert is_secret_variable("GITOPS_AUDITOR_API_TOKEN")
    assert is_secret_variable("GITOPS_AUDITOR_GIT_TOKEN_FILE")
    assert is_secret_variable("MY_PAT", extra=("MY_PAT",))
    assert not is_secret_variable("GITOPS_AUDITOR_CACHE_DIR")


def test_the_readers_of_secrets_take_files(tmp_path: Path) -> None:
    """Git credentials, the forge token and the database URL all accept NAME_FILE."""
    (tmp_path / "git").write_text("ghp_token\n")
    (tmp_path / "forge").write_text("glpat-token\n")
    (tmp_path / "db").write_text("postgres://u:p@db/auditor\n")
    env = {
        "GITOPS_AUDITOR_GIT_TOKEN_FILE": str(tmp_path / "git"),
        "MY_FORGE_TOKEN_FILE": str(tmp_path / "forge"),
        "DATABASE_URL_FILE": str(tmp_path / "db"),
    }
    assert Credentials.from_env(env).token == "ghp_token"
    forge = forge_from_config(
        ForgeConfig(
            kind="gitlab", repo="g/p", url="https://gitlab.example.com", token_env="MY_FORGE_TOKEN"
        ),
        env=env,
    )
    assert forge._gl.private_token == "glpat-token"  # type: ignore[attr-defined]
    assert database_url(cache_dir=tmp_path, env=env) == "postgresql+psycopg://u:p@db/auditor"


def test_a_kept_key_is_made_once_for_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "web.key"
    first = kept_key(path)
    assert len(first) == 64 and int(first, 16) >= 0
    assert path.stat().st_mode & 0o777 == 0o600
    assert kept_key(path) == first  # kept: the same key for every process after
    path.write_bytes(b"set-by-hand")
    assert kept_key(path) == b"set-by-hand"
