# The input resource's parts most policies read, computed once per query.
# Complete rules are evaluated once per query (functions are re-run at every call), so
# decision rules pass these to functions instead of re-deriving them from `input`;
# tests keep calling the functions of an object (`pods.containers(obj)` etc.).
package builtin.lib.subject

import rego.v1

import data.builtin.lib.k8s
import data.builtin.lib.pods

pod_spec := pods.pod_spec(input)

containers := [c | some c in pod_spec.containers]

all_containers := array.concat(containers, [c | some c in object.get(pod_spec, "initContainers", [])])

label := k8s.label(input)

pod_context := object.get(pod_spec, "securityContext", {})
