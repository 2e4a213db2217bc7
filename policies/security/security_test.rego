package builtin.security_test

import rego.v1

import data.builtin.security

pod(spec) := {"kind": "Pod", "metadata": {"name": "p"}, "spec": spec}

with_context(ctx) := pod({"containers": [{"name": "c", "securityContext": ctx}]})

hardened := {
	"privileged": false,
	"allowPrivilegeEscalation": false,
	"runAsNonRoot": true,
	"readOnlyRootFilesystem": true,
	"capabilities": {"drop": ["ALL"]},
}

test_privileged_denied if count(security.privileged(with_context({"privileged": true}))) == 1

test_unprivileged_allowed if count(security.privileged(with_context(hardened))) == 0

test_escalation_denied_by_default if count(security.privilege_escalation(with_context({}))) == 1

test_escalation_disabled_allowed if count(security.privilege_escalation(with_context(hardened))) == 0

test_root_denied if count(security.run_as_root(with_context({}))) == 1

test_non_root_at_pod_level_allowed if {
	obj := pod({"securityContext": {"runAsNonRoot": true}, "containers": [{"name": "c"}]})
	count(security.run_as_root(obj)) == 0
}

test_host_network_denied if count(security.host_namespaces(pod({"hostNetwork": true, "containers": []}))) == 1

test_no_host_namespaces_allowed if count(security.host_namespaces(pod({"containers": []}))) == 0

test_host_path_denied if {
	obj := pod({"containers": [], "volumes": [{"name": "v", "hostPath": {"path": "/var/run"}}]})
	count(security.host_path(obj)) == 1
}

test_empty_dir_allowed if count(security.host_path(pod({"containers": [], "volumes": [{"name": "v", "emptyDir": {}}]}))) == 0

test_writable_root_warned if count(security.writable_root(with_context({}))) == 1

test_read_only_root_allowed if count(security.writable_root(with_context(hardened))) == 0

test_capabilities_warned if count(security.capabilities_kept(with_context({}))) == 1

test_drop_all_allowed if count(security.capabilities_kept(with_context(hardened))) == 0
