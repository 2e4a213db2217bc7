"""Realistic drift, made with the real kubectl the way people make it during an incident:
scale, set image, label, edit, delete, and a debugging leftover. Each step says what a
correct audit must report for it."""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass, field

from auditor.demo.kubectl import Kubectl

# `kubectl edit` with a scripted editor: bump a value Git sets and add an env var Git
# does not know about (python is the one interpreter every machine running us has).
_EDIT_SCRIPT = (
    "import sys,re;p=sys.argv[1];t=open(p).read();"
    "t=t.replace('value: \"4\"','value: \"16\"',1);"
    "t=re.sub(r'(\\n(\\s*)- name: QUEUE_URL)',"
    "r'\\n\\2- name: DEBUG\\n\\2  value: \"true\"\\1',t,1);"
    "open(p,'w').write(t)"
)


@dataclass(frozen=True)
class DriftStep:
    """One kubectl command and what the audit should say about it."""

    context: str
    args: tuple[str, ...]
    expect: str
    env: dict[str, str] = field(default_factory=dict)

    def command(self) -> str:
        return f"kubectl --context {self.context} " + shlex.join(self.args)


def steps() -> list[DriftStep]:
    editor = f"{shlex.quote(sys.executable)} -c {shlex.quote(_EDIT_SCRIPT)}"
    return [
        DriftStep(
            "production",
            ("scale", "deployment", "billing", "-n", "billing", "--replicas=4"),
            "billing: spec.replicas 2 -> 4 (drift)",
        ),
        DriftStep(
            "production",
            (
                "set",
                "image",
                "deployment/my-api",
                "my-api=myregistry.com/my-api:v1.4.3-hotfix",
                "-n",
                "production",
            ),
            "my-api-production: container image (drift, by kubectl-set)",
        ),
        DriftStep(
            "production",
            (
                "patch",
                "deployment",
                "my-api",
                "-n",
                "production",
                "--subresource=scale",
                "--type=merge",
                "-p",
                '{"spec":{"replicas":7}}',
                "--field-manager=kube-controller-manager",
            ),
            "my-api-production: replicas 5 -> 7 by the HPA controller (not drift)",
        ),
        DriftStep(
            "in-cluster",
            ("label", "configmap", "my-api-config", "-n", "staging", "owner=alice"),
            "my-api-staging: label owner=alice (unmanaged change, by kubectl-label)",
        ),
        DriftStep(
            "in-cluster",
            ("edit", "deployment", "dev-another-service", "-n", "dev"),
            "another-service-dev: WORKER_CONCURRENCY 4 -> 16 (drift) and env DEBUG (unmanaged)",
            env={"KUBE_EDITOR": editor, "EDITOR": editor},
        ),
        DriftStep(
            "in-cluster",
            ("delete", "service", "my-api", "-n", "dev"),
            "my-api-dev: Service my-api is Missing",
        ),
        DriftStep(
            "in-cluster",
            (
                "create",
                "configmap",
                "debug-dump",
                "-n",
                "dev",
                "--from-literal=heap=dumped",
            ),
            "(a leftover, labelled for my-api-dev in the next step)",
        ),
        DriftStep(
            "in-cluster",
            (
                "label",
                "configmap",
                "debug-dump",
                "-n",
                "dev",
                "app.kubernetes.io/instance=my-api-dev",
            ),
            "my-api-dev: ConfigMap debug-dump is Extra (tracked, not in Git)",
        ),
    ]


def make_drift(kubectl: Kubectl) -> list[DriftStep]:
    done = []
    for step in steps():
        kubectl(*step.args, context=step.context, env=step.env)
        done.append(step)
    return done
