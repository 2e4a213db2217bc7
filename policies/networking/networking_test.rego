package builtin.networking_test

import rego.v1

import data.builtin.networking

ingress(spec) := {"kind": "Ingress", "metadata": {"name": "web", "namespace": "production"}, "spec": spec}

test_ingress_without_tls_denied if count(networking.ingress_tls(ingress({"rules": []}), {})) == 1

test_ingress_with_tls_allowed if count(networking.ingress_tls(ingress({"tls": [{"hosts": ["a.example.com"]}]}), {})) == 0

test_dev_ingress_not_checked if {
	obj := {"kind": "Ingress", "metadata": {"name": "web", "namespace": "dev"}, "spec": {}}
	count(networking.ingress_tls(obj, {"environment": "dev"})) == 0
}

test_load_balancer_warned if count(networking.load_balancer({"kind": "Service", "metadata": {"name": "s"}, "spec": {"type": "LoadBalancer"}})) == 1

test_cluster_ip_allowed if count(networking.load_balancer({"kind": "Service", "metadata": {"name": "s"}, "spec": {}})) == 0
