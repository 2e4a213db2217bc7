"""The Dockerfile: hadolint finds nothing, and its build stage, run here as `docker build`
would run it (no Docker daemon on this machine: COPY from the context as .dockerignore
filters it, RUN with the stage's ARGs and WORKDIR, the install prefix moved under a
temporary directory), installs a gitops-auditor whose CLI, kubectl and helm work and that
checks deploy/ with the runtime stage's environment. The final stage is checked for a
non-root user, the read-only-root volumes and the HEALTHCHECK."""

from __future__ import annotations

import fnmatch
import json
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import ROOT
from tests.helpers.deploy import DEPLOY, tool

DOCKERFILE = ROOT / "Dockerfile"


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str


def parse(text: str) -> list[list[Instruction]]:
    """The stages of a Dockerfile, each a list of instructions (continuations joined)."""
    stages: list[list[Instruction]] = [[]]
    logical = ""
    for line in text.splitlines():
        if not logical and (not line.strip() or line.lstrip().startswith("#")):
            continue
        logical += line.rstrip()
        if logical.endswith("\\"):  # Docker drops the backslash and the newline
            logical = logical[:-1]
            continue
        keyword, _, args = logical.strip().partition(" ")
        logical = ""
        if keyword.upper() == "FROM":
            stages.append([])
        stages[-1].append(Instruction(keyword.upper(), args.strip()))
    return stages


def ignored(relative: str, patterns: list[str]) -> bool:
    """.dockerignore's verdict on one path (last matching pattern wins, `!` re-includes)."""
    verdict = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.removeprefix("!").rstrip("/")
        parts = relative.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(fnmatch.fnmatch(p, pattern) for p in prefixes) or (
            pattern.startswith("**/") and any(fnmatch.fnmatch(x, pattern[3:]) for x in parts)
        ):
            verdict = not negate
    return verdict


def build_context(target: Path) -> Path:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for path in sorted(ROOT.rglob("*")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(".git/") or relative == ".git" or not path.is_file():
            continue
        if not ignored(relative, patterns):
            dest = target / relative
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
    return target


def copy(context: Path, sources: list[str], *, dest: Path, into: bool) -> None:
    """COPY: a directory's contents go to `dest`; files into `dest/` or to `dest`."""
    for source in sources:
        src = context / source
        if src.is_dir():
            shutil.copytree(src, dest, dirs_exist_ok=True)
        elif into or len(sources) > 1:
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / src.name)
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)


def test_hadolint_finds_nothing() -> None:
    out = subprocess.run(
        [str(tool("hadolint")), "--no-color", str(DOCKERFILE)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0 and out.stdout == "", out.stdout + out.stderr


def test_dockerignore_keeps_only_what_the_image_installs(tmp_path: Path) -> None:
    context = build_context(tmp_path / "context")
    top = {p.name for p in context.iterdir()}
    assert top == {"pyproject.toml", "README.md", "auditor", "bot", "policies", "scripts"}
    assert not list(context.rglob("__pycache__"))
    assert [p.name for p in (context / "scripts").iterdir()] == ["install_helm.py"]


def test_final_stage_runs_as_non_root_with_a_healthcheck() -> None:
    final = parse(DOCKERFILE.read_text())[-1]
    keywords = [i.keyword for i in final]
    assert keywords[-3:] == ["HEALTHCHECK", "ENTRYPOINT", "CMD"]
    [user] = [i.args for i in final if i.keyword == "USER"]
    assert user.split(":")[0].isdigit() and int(user.split(":")[0]) >= 10000
    [health] = [i.args for i in final if i.keyword == "HEALTHCHECK"]
    assert "http://127.0.0.1:8080/healthz" in health
    [volume] = [i.args for i in final if i.keyword == "VOLUME"]
    env = " ".join(i.args for i in final if i.keyword == "ENV")
    assert "HOME=/tmp" in env and "XDG_CACHE_HOME=/var/cache/gitops-auditor" in env
    assert set(json.loads(volume)) == {"/tmp", "/var/cache/gitops-auditor"}
    assert "COPY --from=build ${PREFIX} ${PREFIX}" in [f"COPY {i.args}" for i in final]


def runtime_env(final: list[Instruction], *, prefix: Path, root: Path) -> dict[str, str]:
    """The final stage's ENV, with its absolute paths moved under `root`."""
    env = {"PATH": os.environ["PATH"], "PREFIX": str(prefix)}
    for instruction in final:
        if instruction.keyword == "ENV":
            for pair in shlex.split(instruction.args.replace("\n", " ")):
                key, _, value = pair.partition("=")
                value = value.replace("${PREFIX}", str(prefix)).replace("${PATH}", env["PATH"])
                if value.startswith("/") and not value.startswith(str(prefix)):
                    value = str(root / value.lstrip("/"))
                env[key] = value
    return env


@pytest.mark.slow
def test_build_stage_installs_a_working_gitops_auditor(tmp_path: Path) -> None:
    build, final = parse(DOCKERFILE.read_text())[1:]
    context = build_context(tmp_path / "context")
    root = tmp_path / "image"
    args: dict[str, str] = {}
    workdir = root
    ran = []
    for instruction in build:
        if instruction.keyword == "ARG":
            name, _, default = instruction.args.partition("=")
            # As `docker build --build-arg PREFIX=...`: the prefix lives under the temp dir.
            args[name] = str(root / default.lstrip("/")) if name == "PREFIX" else default
        elif instruction.keyword == "WORKDIR":
            workdir = root / instruction.args.lstrip("/")
            workdir.mkdir(parents=True, exist_ok=True)
        elif instruction.keyword == "COPY":
            *sources, dest = shlex.split(instruction.args)
            copy(context, sources, dest=workdir / dest, into=dest.endswith("/"))
        elif instruction.keyword == "RUN":
            python = tmp_path / "python-bin"  # the base image's `python`
            python.mkdir(exist_ok=True)
            if not (python / "python").exists():
                (python / "python").symlink_to(getattr(sys, "_base_executable", sys.executable))
            env = {
                "PATH": f"{python}{os.pathsep}{os.environ['PATH']}",
                "HOME": str(tmp_path),
                **args,
            }
            proc = subprocess.run(
                ["/bin/sh", "-c", instruction.args], cwd=workdir, env=env,
                capture_output=True, text=True, timeout=900, check=False,
            )  # fmt: skip
            assert proc.returncode == 0, proc.stdout + proc.stderr
            ran.append(proc.stdout)
        elif instruction.keyword != "FROM":
            raise AssertionError(f"the build stage uses {instruction.keyword}: teach this test it")
    assert ran, "the build stage runs nothing"
    prefix = Path(args["PREFIX"])
    assert "gitops-auditor, version" in ran[-1] and "Client Version: v1." in ran[-1]
    # The installed package (not the source tree) checks deploy/, with the image's ENV.
    env = runtime_env(final, prefix=prefix, root=root)
    for directory in (env["HOME"], env["XDG_CACHE_HOME"]):
        Path(directory).mkdir(parents=True, exist_ok=True)
    out = subprocess.run(
        [str(prefix / "bin" / "gitops-auditor"), "check", "--repo", str(DEPLOY),
         "--config", str(DEPLOY / "gitops-auditor.yaml")],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 deny, 0 warn, 0 error" in out.stdout
    assert (Path(env["GITOPS_AUDITOR_CACHE_DIR"])).is_dir()
