"""A small check report shared by the format tests."""

from __future__ import annotations

import pytest

from auditor.report.policy import CheckedApp, CheckReport, RuleDoc
from tests.helpers.policy import violation


@pytest.fixture
def report() -> CheckReport:
    web = CheckedApp(
        name="web-dev",
        path="apps/web",
        violations=(
            violation("images/no-latest", "deny"),
            violation("resources/cpu-limit", "warn"),
            violation("security/host-path", "deny", waived=True),
        ),
        diff="--- base/web-dev\n+++ head/web-dev\n@@ -1 +1 @@\n-a\n+b\n",
    )
    broken = CheckedApp(name="broken", path="apps/broken", error="kustomize build failed")
    clean = CheckedApp(name="clean", path="apps/clean")
    return CheckReport(
        apps=(web, broken, clean),
        base="a" * 40,
        head="b" * 40,
        rules={
            "images/no-latest": RuleDoc(id="images/no-latest", title="Pinned", description="why")
        },
    )
