"""The cluster's own type definitions (from /openapi/v3) drive list semantics when given."""

from __future__ import annotations

import copy
from typing import Any

from auditor.diff import DiffOptions, diff_resource
from auditor.diff.schema import Definitions, packaged
from auditor.kubemeta.schema import definitions_from_openapi

POD_SPEC = "io.k8s.api.core.v1.PodSpec"


def deployment(tolerations: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "prod"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [{"name": "web", "image": "web:1"}],
                    "tolerations": tolerations,
                },
            },
        },
    }


def test_openapi_v3_components_become_definitions() -> None:
    schemas = {
        "a.B": {
            "type": "object",
            "properties": {
                "meta": {"allOf": [{"$ref": "#/components/schemas/a.Meta"}], "default": {}},
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/a.Item"}},
            },
        }
    }
    defs = definitions_from_openapi(schemas)
    props = defs["a.B"]["properties"]
    assert props["meta"] == {"$ref": "#/$defs/a.Meta", "default": {}}
    assert props["items"]["items"] == {"$ref": "#/$defs/a.Item"}


def test_a_cluster_that_keys_tolerations_compares_them_by_key() -> None:
    one = {"key": "gpu", "operator": "Exists"}
    two = {"key": "spot", "operator": "Exists"}
    desired, live = deployment([one, two]), deployment([two, one])
    # The packaged 1.37 definitions: tolerations are an atomic list, order matters.
    assert diff_resource(desired, live).changes != ()
    cluster_defs = copy.deepcopy(dict(packaged().defs))
    field = cluster_defs[POD_SPEC]["properties"]["tolerations"]
    field["x-kubernetes-list-type"] = "map"
    field["x-kubernetes-list-map-keys"] = ["key"]
    options = DiffOptions(definitions=Definitions.of(cluster_defs))
    assert diff_resource(desired, live, options=options).changes == ()
