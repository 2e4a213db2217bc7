"""The Procfile, the Deployments of deploy/ and the image's default command run the same
four processes with the same arguments."""

from __future__ import annotations

import json
import re
import shlex

from tests.helpers import ROOT
from tests.helpers.deploy import DEPLOY, PROCESSES, by_kind, kustomize


def procfile() -> dict[str, list[str]]:
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, command = line.partition(":")
            # Honcho/foreman/Heroku set PORT; without it the port is the image's 8080.
            expanded = re.sub(r"\$\{PORT:-(\d+)\}", r"\1", command)
            entries[name.strip()] = shlex.split(expanded)
    return entries


def test_procfile_has_the_four_processes_of_the_cli() -> None:
    entries = procfile()
    assert tuple(entries) == PROCESSES
    assert all(argv[0] == "gitops-auditor" for argv in entries.values())


def test_procfile_matches_the_deployments() -> None:
    deployments = by_kind(kustomize(DEPLOY / "overlays" / "single-cluster"), "Deployment")
    for name, argv in procfile().items():
        [container] = deployments[f"gitops-auditor-{name}"]["spec"]["template"]["spec"][
            "containers"
        ]
        assert ["gitops-auditor", *container["args"]] == argv, name


def test_image_default_command_is_the_web_process() -> None:
    instructions = {}
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith(("ENTRYPOINT ", "CMD ")):
            keyword, _, rest = line.partition(" ")
            instructions[keyword] = json.loads(rest)
    assert [*instructions["ENTRYPOINT"], *instructions["CMD"]] == procfile()["web"]
