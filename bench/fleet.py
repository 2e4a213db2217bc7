"""Fleet benchmark: a generated Argo CD fleet (Kustomize base + overlays, apps made by
ApplicationSets' git directory generators, ~10 resources each: Deployment, Service,
ConfigMaps, HPA, Ingress, PDB, NetworkPolicy, Secret, ServiceAccount) on 3 kubesim
clusters, synced with the real kubectl as Argo CD would, 2% of the apps drifted by hand.

One run measures, side by side, `gitops-auditor audit` as a user runs it (the CLI, a new
process each time): cold (empty cache), warm (same commit), after a commit that changes
one app, and on a local clone without `--revision` (twice); the render floor (`kubectl
kustomize` of every overlay, with the audit's render parallelism); and the script
`kubectl kustomize DIR | kubectl diff --server-side` per app. For each: wall time, API
requests, peak RSS of the whole process tree. The findings of every audit mode are
compared: speed never changes an answer.

Run: .venv/bin/python bench/fleet.py [--apps 1000] [--appsets 10] [--script-apps N]
     [--results FILE]
     .venv/bin/python bench/fleet.py --apps 1000 --discovery 10 100 334   (discovery only)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from auditor.config import ClusterConfig, Config  # noqa: E402
from auditor.demo.deploy import FIELD_MANAGER, apply_objects, manifests_for  # noqa: E402
from auditor.demo.fleet import running_fleet  # noqa: E402
from auditor.demo.kubectl import Kubectl  # noqa: E402
from auditor.model import IN_CLUSTER_NAME, IN_CLUSTER_SERVER  # noqa: E402
from auditor.pipeline import Pipeline  # noqa: E402
from auditor.render.tools import default_kubectl  # noqa: E402
from auditor.sources.local import commit_all, init_repo  # noqa: E402

CLUSTERS = (IN_CLUSTER_NAME, "staging", "production")
REPO_URL = "https://git.example.com/fleet.git"
RENDER_WORKERS = 4  # the audit's render parallelism (auditor/pipeline/audit.py)


# ---- the fleet ------------------------------------------------------------------------
def base_objects() -> list[dict[str, Any]]:
    labels = {"app": "web"}
    container = {
        "name": "web",
        "image": "registry.example.com/web:1.0",
        "ports": [{"containerPort": 8080}],
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "256Mi"},
        },
    }
    spec = {"containers": [container], "serviceAccountName": "web"}
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "web"}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web-defaults"},
         "data": {"LOG_LEVEL": "info"}},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
         "spec": {"replicas": 2, "selector": {"matchLabels": labels},
                  "template": {"metadata": {"labels": labels}, "spec": spec}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
         "spec": {"selector": labels, "ports": [{"port": 80, "targetPort": 8080}]}},
        {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
         "metadata": {"name": "web"},
         "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                     "name": "web"},
                  "minReplicas": 2, "maxReplicas": 6,
                  "metrics": [{"type": "Resource", "resource": {
                      "name": "cpu", "target": {"type": "Utilization",
                                                "averageUtilization": 80}}}]}},
        {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web"},
         "spec": {"minAvailable": 1, "selector": {"matchLabels": labels}}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
         "metadata": {"name": "web"},
         "spec": {"podSelector": {"matchLabels": labels}, "policyTypes": ["Ingress"],
                  "ingress": [{"ports": [{"port": 8080}]}]}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web"},
         "spec": {"rules": [{"host": "web.example.com", "http": {"paths": [
             {"path": "/", "pathType": "Prefix",
              "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}},
    ]  # fmt: skip


def appset(group: str) -> str:
    return f"""apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {{name: {group}}}
spec:
  goTemplate: true
  generators:
    - git:
        repoURL: {REPO_URL}
        revision: HEAD
        directories: [{{path: "apps/{group}/*/overlays/*"}}]
  template:
    metadata: {{name: "{{{{index .path.segments 2}}}}-{{{{.path.basename}}}}"}}
    spec:
      project: default
      source: {{repoURL: {REPO_URL}, targetRevision: HEAD, path: "{{{{.path.path}}}}"}}
      destination:
        name: "{{{{.path.basename}}}}"
        namespace: "{{{{index .path.segments 2}}}}-{{{{.path.basename}}}}"
"""


def overlay(service: str, env: str, *, tag: str) -> str:
    return f"""resources: [../../../../../bases/web]
images: [{{name: registry.example.com/web, newTag: "{tag}"}}]
labels: [{{pairs: {{app.kubernetes.io/part-of: {service}}}}}]
configMapGenerator:
  - {{name: settings, literals: [ENV={env}, SERVICE={service}]}}
secretGenerator:
  - {{name: credentials, literals: [password={service}-{env}-not-a-real-secret]}}
"""


@dataclass(frozen=True)
class FleetApp:
    name: str
    path: str
    cluster: str
    namespace: str


def write_fleet(root: Path, *, apps: int, appsets: int) -> list[FleetApp]:
    """`apps` apps over the clusters, from `appsets` ApplicationSets (one per group)."""
    base = root / "bases" / "web"
    base.mkdir(parents=True)
    objects = base_objects()
    for obj in objects:
        (base / f"{obj['kind'].lower()}.yaml").write_text(yaml.safe_dump(obj, sort_keys=False))
    (base / "kustomization.yaml").write_text(
        yaml.safe_dump({"resources": [f"{o['kind'].lower()}.yaml" for o in objects]})
    )
    services = -(-apps // len(CLUSTERS))
    made: list[FleetApp] = []
    (root / "argocd").mkdir()
    for n in range(appsets):
        (root / "argocd" / f"group-{n:03}.yaml").write_text(appset(f"group-{n:03}"))
    for i in range(services):
        group, service = f"group-{i % appsets:03}", f"svc-{i:04}"
        for env in CLUSTERS:
            if len(made) == apps:
                break
            path = f"apps/{group}/{service}/overlays/{env}"
            (root / path).mkdir(parents=True)
            (root / path / "kustomization.yaml").write_text(overlay(service, env, tag=f"1.{i}"))
            made.append(FleetApp(f"{service}-{env}", path, env, f"{service}-{env}"))
    return made


def fleet_config(sims: dict[str, Any]) -> Config:
    return Config(
        clusters=tuple(
            ClusterConfig(
                name=name,
                server=IN_CLUSTER_SERVER if name == IN_CLUSTER_NAME else sims[name].url,
                context=name,
            )
            for name in CLUSTERS
        )
    )


def sync_fleet(pipeline: Pipeline, repo: Path, kubectl: Kubectl) -> int:
    """Apply every app with its namespace, as Argo CD's first sync would."""
    checkout = pipeline.sources.checkout(str(repo), "main")
    per_cluster: dict[str, list[dict[str, Any]]] = {c: [] for c in CLUSTERS}
    label_key = pipeline.config.tracking.instance_label_key
    for app in pipeline.discover(checkout).apps:
        rendered = pipeline.render(app, checkout)
        namespace = {"apiVersion": "v1", "kind": "Namespace",
                     "metadata": {"name": app.destination.namespace}}  # fmt: skip
        per_cluster[app.cluster] += [namespace, *manifests_for(app, rendered, label_key=label_key)]
    for cluster, objects in per_cluster.items():
        for start in range(0, len(objects), 2000):
            apply_objects(kubectl, objects[start : start + 2000], context=cluster)
    return sum(len(v) for v in per_cluster.values())


def make_drift(kubectl: Kubectl, apps: Sequence[FleetApp]) -> list[str]:
    """2% of the apps changed by hand: replicas scaled, or an image set."""
    drifted = list(apps[::50])
    for n, app in enumerate(drifted):
        if n % 2:
            kubectl("scale", "deployment/web", "--replicas=5", "-n", app.namespace,
                    context=app.cluster)  # fmt: skip
        else:
            kubectl("set", "image", "deployment/web", "web=registry.example.com/web:hotfix",
                    "-n", app.namespace, context=app.cluster)  # fmt: skip
    return [a.name for a in drifted]


# ---- measuring ------------------------------------------------------------------------
def tree_rss(pid: int) -> int:
    """The resident memory of a process and all its descendants, in bytes (/proc)."""
    return sum(process_rss(pid))


def process_rss(pid: int) -> list[int]:
    """The resident memory of a process, then of each of its descendants, in bytes."""
    total: list[int] = []
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/statm") as f:
                total.append(int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE"))
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as f:
                    pending += [int(c) for c in f.read().split()]
        except (OSError, ValueError):
            continue
    return total


@dataclass
class Run:
    label: str
    seconds: float
    peak_rss: int
    code: int
    output: str = ""
    requests: int = 0
    findings: dict[str, Any] = field(default_factory=dict)
    main_rss: int = 0  # the command's own process
    stages: dict[str, float] = field(default_factory=dict)  # the audit's `stageSeconds`


def run(label: str, args: Sequence[str], *, env: dict[str, str], cwd: Path) -> Run:
    """A command as a new process, its tree's RSS sampled every 20 ms."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    peak = [0, 0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            sizes = process_rss(proc.pid)
            peak[0] = max(peak[0], sum(sizes))
            peak[1] = max(peak[1], sizes[0] if sizes else 0)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{label}: exit {proc.returncode}\n{err[-3000:]}")
    return Run(label, seconds, peak[0], proc.returncode, out, main_rss=peak[1])


def audit_run(label: str, extra: Sequence[str], *, env: dict[str, str], cwd: Path) -> Run:
    exe = str(Path(sys.executable).parent / "gitops-auditor")
    result = run(label, [exe, "audit", "-o", "json", "--stats", *extra], env=env, cwd=cwd)
    report = json.loads(result.output)
    result.requests = int(report["stats"]["apiRequestsTotal"])
    result.stages = dict(report["stats"].get("stageSeconds") or {})
    result.findings = findings(report)
    return result


def findings(report: dict[str, Any]) -> dict[str, Any]:
    """What an audit found, without times: each app's status and each resource's."""
    out = {}
    for app in report["apps"]:
        resources = sorted(
            (r["kind"], r["namespace"], r["name"], r["status"],
             tuple(sorted((c["path"], json.dumps(c["live"])) for c in r["changes"])))
            for r in app["resources"]
        )  # fmt: skip
        out[app["name"]] = (app["sync"], app["error"], resources)
    return out


def render_floor(root: Path, apps: Sequence[FleetApp]) -> float:
    """`kubectl kustomize` of every overlay, RENDER_WORKERS at a time."""
    kubectl = str(default_kubectl())

    def one(app: FleetApp) -> None:
        subprocess.run([kubectl, "kustomize", str(root / app.path)], check=True,
                       capture_output=True)  # fmt: skip

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=RENDER_WORKERS) as pool:
        list(pool.map(one, apps))
    return time.perf_counter() - started


def script(root: Path, apps: Sequence[FleetApp], *, env: dict[str, str]) -> tuple[float, set[str]]:
    """The script a team would write: render each app and `kubectl diff --server-side`
    it, one app after another; returns the time and the apps it says differ."""
    kubectl = str(default_kubectl())
    differ = set()
    started = time.perf_counter()
    for app in apps:
        rendered = subprocess.run([kubectl, "kustomize", str(root / app.path)], check=True,
                                  capture_output=True, text=True).stdout  # fmt: skip
        # Argo CD's tracking label, as its sync put it on every object.
        docs = [d for d in yaml.safe_load_all(rendered) if d]
        for doc in docs:
            doc["metadata"].setdefault("labels", {})["app.kubernetes.io/instance"] = app.name
        rendered = yaml.safe_dump_all(docs)
        diff = subprocess.run(
            [kubectl, "diff", "--server-side", f"--field-manager={FIELD_MANAGER}",
             "--force-conflicts", "-n", app.namespace, "--context", app.cluster, "-f", "-"],
            input=rendered, capture_output=True, text=True, env=env,
        )  # fmt: skip
        if diff.returncode == 1:
            differ.add(app.name)
            if os.environ.get("FLEET_BENCH_SHOW_DIFF"):
                print(diff.stdout[:3000])
        elif diff.returncode != 0:
            raise SystemExit(f"kubectl diff {app.name}: {diff.stderr[-2000:]}")
    return time.perf_counter() - started, differ


def discovery_scaling(apps: int, counts: Sequence[int]) -> list[str]:
    """Discovery of the same `apps` apps from each number of ApplicationSets (a new
    pipeline each, at the commit: what every audit starts with)."""
    lines = [f"| ApplicationSets | discovery of {apps} apps, seconds |", "|---|---|"]
    for count in counts:
        with tempfile.TemporaryDirectory(prefix="fleet-discovery-") as tmp:
            work = Path(tmp)
            write_fleet(work / "tree", apps=apps, appsets=count)
            init_repo(work / "tree", work / "repo")
            pipeline = Pipeline.from_config(Config(), cache_dir=work / "cache")
            checkout = pipeline.sources.checkout(str(work / "repo"), "main")
            started = time.perf_counter()
            found = pipeline.discover(checkout)
            seconds = time.perf_counter() - started
            assert len(found.apps) == apps, len(found.apps)
            lines.append(f"| {count} | {seconds:.2f} |")
            print(lines[-1])
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--appsets", type=int, default=10)
    parser.add_argument("--script-apps", type=int, default=0, help="0: every app")
    parser.add_argument("--results", type=Path, help="write the results (markdown) here")
    parser.add_argument(
        "--discovery", type=int, nargs="*", help="only time discovery from these ApplicationSets"
    )
    parser.add_argument(
        "--hold", action="store_true",
        help="set up the synced, drifted fleet, print how to audit it, and wait (profiling)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.discovery:
        lines = discovery_scaling(args.apps, args.discovery)
        if args.results:
            args.results.write_text("\n".join(lines) + "\n")
        return
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="fleet-bench-") as tmp:
        work = Path(tmp)
        apps = write_fleet(work / "tree", apps=args.apps, appsets=args.appsets)
        repo = work / "repo"
        init_repo(work / "tree", repo)
        with running_fleet(work / "clusters", clusters=CLUSTERS) as fleet:
            config = fleet_config(fleet.sims)
            config_file = work / "gitops-auditor.yaml"
            dumped = config.model_dump(mode="json", exclude_defaults=True)
            config_file.write_text(yaml.safe_dump(dumped))
            kubectl = Kubectl(kubeconfig=fleet.kubeconfig, home=work)
            setup = Pipeline.from_config(config, cache_dir=work / "setup-cache",
                                         kubeconfig=str(fleet.kubeconfig))  # fmt: skip
            started = time.perf_counter()
            objects = sync_fleet(setup, repo, kubectl)
            print(f"fleet: {len(apps)} apps from {args.appsets} ApplicationSets, {objects} "
                  f"objects on {len(CLUSTERS)} clusters, synced in "
                  f"{time.perf_counter() - started:.0f} s")  # fmt: skip
            drifted = make_drift(kubectl, apps)
            env = {k: v for k, v in os.environ.items() if not k.startswith("GITOPS_AUDITOR_")}
            env.update({"KUBECONFIG": str(fleet.kubeconfig), "XDG_CACHE_HOME": str(work / "c"),
                        "GITOPS_AUDITOR_CONFIG": str(config_file), "HOME": str(work)})  # fmt: skip
            at_main = ["--repo", str(repo), "--revision", "main"]
            if args.hold:
                hold(env, at_main, cwd=work)
                return
            runs = [audit_run("cold", at_main, env=env, cwd=work)]
            runs.append(audit_run("warm (same commit)", at_main, env=env, cwd=work))
            local = audit_run("local clone, no --revision (1st)", ["--repo", str(repo)],
                              env=env, cwd=work)  # fmt: skip
            local2 = audit_run("local clone, no --revision (2nd)", ["--repo", str(repo)],
                               env=env, cwd=work)  # fmt: skip
            runs += [local, local2]
            changed = apps[1]
            path = repo / changed.path / "kustomization.yaml"
            path.write_text(path.read_text().replace('newTag: "1.', 'newTag: "2.'))
            commit_all(repo, message="bump one app")
            one = audit_run("one app changed (new commit)", at_main, env=env, cwd=work)
            runs.append(one)
            floor = render_floor(repo, apps)
            sample = apps[: args.script_apps] if args.script_apps else apps
            script_seconds, differ = script(repo, sample, env=env)
    report(args, apps=apps, drifted=drifted, runs=runs, floor=floor, changed=changed.name,
           script_seconds=script_seconds, script_apps=len(sample), differ=differ,
           load=load)  # fmt: skip


def hold(env: dict[str, str], audit: Sequence[str], *, cwd: Path) -> None:
    """Keep the fleet up until interrupted; print the environment an audit of it needs."""
    exports = " ".join(f"{k}={env[k]}" for k in ("KUBECONFIG", "XDG_CACHE_HOME",
                                                 "GITOPS_AUDITOR_CONFIG", "HOME"))  # fmt: skip
    print(
        f"cd {cwd} && env {exports} {sys.executable} -m auditor audit {' '.join(audit)}", flush=True
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


def report(
    args: argparse.Namespace,
    *,
    apps: Sequence[FleetApp],
    drifted: Sequence[str],
    runs: Sequence[Run],
    floor: float,
    changed: str,
    script_seconds: float,
    script_apps: int,
    differ: set[str],
    load: float,
) -> None:
    cold, warm = runs[0], runs[1]
    # Speed never changes an answer: every mode finds the same (the changed app aside).
    for r in runs[1:]:
        a = {k: v for k, v in r.findings.items() if k != changed}
        b = {k: v for k, v in cold.findings.items() if k != changed}
        assert a == b, f"{r.label} found something else than the cold audit"
    out_of_sync = {k for k, v in cold.findings.items() if v[0] == "OutOfSync"}
    assert out_of_sync == set(drifted), (sorted(out_of_sync ^ set(drifted)))[:10]
    assert runs[-1].findings[changed][0] == "OutOfSync"  # the cluster still has the old tag
    sampled = {a.name for a in apps[:script_apps]}
    expected = (out_of_sync | {changed}) & sampled  # the script reads the new commit
    assert differ == expected, sorted(differ ^ expected)[:10]
    script_full = script_seconds * len(apps) / script_apps
    lines = [
        f"# Fleet benchmark: {len(apps)} apps",
        "",
        f"Command: `.venv/bin/python bench/fleet.py --apps {args.apps} --appsets {args.appsets}"
        + (f" --script-apps {args.script_apps}" if args.script_apps else "")
        + "`",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; load before {load:.2f}. "
        f"Fleet: {len(apps)} Argo CD apps from {args.appsets} ApplicationSets (git "
        f"directories), Kustomize base + overlay each, 3 kubesim clusters, "
        f"{len(drifted)} apps drifted by hand. Every audit is `gitops-auditor audit -o json "
        f"--stats`, a new process; RSS is the peak of the whole process tree (of the "
        f"audit's own process alone: main).",
        "",
        "| mode | seconds | x warm | API requests | peak RSS (tree) | peak RSS (main) |",
        "|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(f"| {r.label} | {r.seconds:.1f} | {r.seconds / warm.seconds:.2f} | "
                     f"{r.requests} | {r.peak_rss / 2**20:.0f} MiB | "
                     f"{r.main_rss / 2**20:.0f} MiB |")  # fmt: skip
    lines += [
        f"| render floor: `kubectl kustomize` of every overlay, {RENDER_WORKERS} at a time "
        f"| {floor:.1f} | {floor / warm.seconds:.2f} | 0 | | |",
        f"| script: `kubectl kustomize \\| kubectl diff --server-side` per app "
        f"({script_apps} apps{', scaled to all' if script_apps < len(apps) else ''}) "
        f"| {script_full:.1f} | {script_full / warm.seconds:.2f} | | | |",
        "",
        f"- cold / render floor: {cold.seconds / floor:.2f}x",
        f"- one app changed / warm: {runs[-1].seconds / warm.seconds:.2f}x",
        f"- script / warm: {script_full / warm.seconds:.1f}x; script / cold: "
        f"{script_full / cold.seconds:.1f}x",
        f"- every mode found the same: {len(out_of_sync)} OutOfSync apps, the drifted ones; "
        f"the script agrees on the {script_apps} apps it diffed",
        "",
        "Stages, in seconds, as each audit's `--stats` reports them:",
        "",
        *(f"- {r.label}: " + ", ".join(f"{k} {v:.2f}" for k, v in r.stages.items()) for r in runs),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.results:
        args.results.write_text(text)


if __name__ == "__main__":
    main()
