"""Runs the real `gitops-auditor` command line in-process (click's runner)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result

from auditor.cli.main import _register, cli
from tests.helpers.cli import Invoke


@pytest.fixture
def invoke() -> Invoke:
    _register()
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return run
