"""The render cache: keys, memory and disk entries, and what is never cached."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from pathlib import Path

from auditor.model import DirectoryOptions, KustomizeOptions, SourceLocation
from auditor.render.cache import RenderCache, cache_key
from auditor.render.documents import Manifest, RawRender
from tests.helpers.render import make_app

SHA = "0123456789abcdef0123456789abcdef01234567"


def sample() -> RawRender:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}}
    return RawRender(
        manifests=(Manifest(body=body, source=SourceLocation("apps/x/c.yaml", 3)),),
        notes=("skipped apps/x/values.yaml: not a Kubernetes object",),
    )


def test_key_depends_on_every_input() -> None:
    app = make_app("apps/x")
    base = cache_key(app, revision=SHA)
    assert cache_key(app, revision=SHA) == base
    variants = [
        cache_key(app, revision="f" * 40),
        cache_key(make_app("apps/y"), revision=SHA),
        cache_key(make_app("apps/x", namespace="other"), revision=SHA),
        cache_key(make_app("apps/x", directory=DirectoryOptions(recurse=True)), revision=SHA),
        cache_key(make_app("apps/x", kustomize=KustomizeOptions(name_prefix="a-")), revision=SHA),
        cache_key(make_app("apps/x", kustomize=KustomizeOptions(name_prefix="b-")), revision=SHA),
        cache_key(
            make_app("apps/x", kustomize=KustomizeOptions(patches=({"patch": "x"},))),
            revision=SHA,
        ),
        cache_key(replace(app, source=replace(app.source, repo_url="other")), revision=SHA),
    ]
    assert len({base, *variants}) == len(variants) + 1


def test_memory_round_trip_without_a_directory() -> None:
    cache = RenderCache()
    cache.put("k1", sample())
    assert cache.get("k1") == sample()
    assert cache.get("k2") is None


def test_disk_entry_survives_a_new_cache(tmp_path: Path) -> None:
    RenderCache(tmp_path).put("ab" + "0" * 62, sample())
    entries = list(tmp_path.rglob("*.json"))
    assert [e.name for e in entries] == ["ab" + "0" * 62 + ".json"]
    assert not list(tmp_path.rglob(".tmp-*")), "no temp file is left behind"
    assert RenderCache(tmp_path).get("ab" + "0" * 62) == sample()


def test_deterministic_errors_are_cached_transient_ones_are_not(tmp_path: Path) -> None:
    cache = RenderCache(tmp_path)
    cache.put("aa" + "1" * 62, RawRender.failed("kustomize build apps/x failed: boom"))
    cache.put("bb" + "2" * 62, RawRender.failed("helm not found", deterministic=False))
    fresh = RenderCache(tmp_path)
    hit = fresh.get("aa" + "1" * 62)
    assert hit is not None and hit.error == "kustomize build apps/x failed: boom"
    assert fresh.get("bb" + "2" * 62) is None
    assert cache.get("bb" + "2" * 62) is None


def test_corrupt_or_foreign_entries_are_misses(tmp_path: Path) -> None:
    key = "cc" + "3" * 62
    RenderCache(tmp_path).put(key, sample())
    entry = tmp_path / key[:2] / f"{key}.json"
    entry.write_text("{not json", encoding="utf-8")
    assert RenderCache(tmp_path).get(key) is None
    entry.write_text(json.dumps({"version": "0", "key": key}), encoding="utf-8")
    assert RenderCache(tmp_path).get(key) is None


def test_unwritable_directory_only_costs_a_rerender(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    cache = RenderCache(blocker / "sub")  # cannot create a directory under a file
    cache.put("dd" + "4" * 62, sample())
    assert cache.get("dd" + "4" * 62) == sample()  # still served from memory


def test_concurrent_writers_and_readers_never_see_a_partial_entry(tmp_path: Path) -> None:
    key = "ee" + "5" * 62
    big = RawRender(
        manifests=tuple(
            Manifest(
                body={
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": f"c{i}"},
                    "data": {"blob": "x" * 2000},
                },
                source=SourceLocation("apps/x/c.yaml", i + 1),
            )
            for i in range(200)
        )
    )
    seen: list[RawRender | None] = []

    def writer() -> None:
        for _ in range(5):
            RenderCache(tmp_path).put(key, big)

    def reader() -> None:
        for _ in range(20):
            seen.append(RenderCache(tmp_path).get(key))

    threads = [threading.Thread(target=writer) for _ in range(3)]
    threads += [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(hit is None or hit == big for hit in seen)
    assert RenderCache(tmp_path).get(key) == big
    assert not list(tmp_path.rglob(".tmp-*"))
