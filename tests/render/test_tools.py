"""Running the external renderers: output, failures, timeouts, and what counts as transient."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.render.tools import ToolError, default_kubectl, run_tool


def test_stdout_is_returned() -> None:
    assert run_tool(["/bin/sh", "-c", "echo hello"], tool="sh") == "hello\n"


def test_failure_carries_the_tools_own_stderr_and_is_deterministic() -> None:
    with pytest.raises(ToolError) as info:
        run_tool(["/bin/sh", "-c", "echo 'Error: bad chart' >&2; exit 3"], tool="sh")
    assert info.value.message == "Error: bad chart"
    assert info.value.deterministic


def test_silent_failure_names_the_exit_status() -> None:
    with pytest.raises(ToolError, match="sh exited with status 4"):
        run_tool(["/bin/sh", "-c", "exit 4"], tool="sh")


def test_network_failures_are_transient() -> None:
    message = "Get https://github.com/x: dial tcp: lookup github.com: no such host"
    script = f"echo '{message}' >&2; exit 1"
    with pytest.raises(ToolError) as info:
        run_tool(["/bin/sh", "-c", script], tool="sh")
    assert not info.value.deterministic


def test_timeout_is_transient() -> None:
    with pytest.raises(ToolError) as info:
        run_tool(["/bin/sh", "-c", "sleep 5"], tool="sh", timeout=0.2)
    assert info.value.message == "sh timed out after 0.2s"
    assert not info.value.deterministic


def test_missing_binary_is_transient() -> None:
    with pytest.raises(ToolError) as info:
        run_tool(["/nonexistent/kubectl", "kustomize", "."], tool="kubectl kustomize")
    assert info.value.message == "kubectl kustomize not found at /nonexistent/kubectl"
    assert not info.value.deterministic


def test_default_kubectl_is_the_packaged_one_not_path() -> None:
    kubectl = default_kubectl()
    assert kubectl is not None and kubectl != Path("/usr/bin/kubectl")
    version = run_tool([str(kubectl), "version", "--client"], tool="kubectl")
    assert "Kustomize Version: v5" in version


def test_a_failure_is_one_line_without_the_tools_warnings() -> None:
    script = (
        "echo 'walk.go:75: found symbolic link in path: /c/templates/x' >&2; "
        "echo 'WARNING: Kubernetes configuration file is group-readable' >&2; "
        "echo 'W0101 12:00:00.000 warnings.go:70 deprecated' >&2; "
        'printf \'Error: template: c/templates/a.yaml:3:4:\\n  executing "a" at <.x>:\\n'
        "  nil pointer\\n' >&2; exit 1"
    )
    with pytest.raises(ToolError) as info:
        run_tool(["/bin/sh", "-c", script], tool="helm")
    assert info.value.message == (
        'Error: template: c/templates/a.yaml:3:4: executing "a" at <.x>: nil pointer'
    )
