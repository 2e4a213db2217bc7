"""`gitops-auditor token`: a token is printed once, stored hashed, listed without its
value, refused for a taken name or a non-role, and dead once revoked."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.service.tokens import hash_token, now
from auditor.store import SqlStore
from tests.helpers.cli import Invoke


def test_create_list_revoke(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "store.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.chdir(tmp_path)
    made = invoke("token", "create", "ci", "--role", "role:ops")
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[0]
    assert token.startswith("gat_") and len(token) > 40
    store = SqlStore(f"sqlite:///{database}")
    found = store.token_by_hash(hash_token(token), at=now())
    assert found is not None and found.role == "role:ops"
    listed = invoke("token", "list")
    assert "ci\trole:ops\tactive" in listed.stdout and token not in listed.stdout
    refused = invoke("token", "create", "ci")
    assert refused.exit_code == 2 and "exists" in refused.output
    refused = invoke("token", "create", "x", "--role", "ops")
    assert refused.exit_code == 2 and "RBAC role" in refused.output
    assert invoke("token", "revoke", "ci").exit_code == 0
    assert store.token_by_hash(hash_token(token), at=now()) is None
    refused = invoke("token", "revoke", "nope")
    assert refused.exit_code == 2 and "no token" in refused.output
