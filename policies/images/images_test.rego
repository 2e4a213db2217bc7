package builtin.images_test

import rego.v1

import data.builtin.images

deployment(image) := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {"name": "web"},
	"spec": {"template": {"spec": {"containers": [{"name": "web", "image": image}]}}},
}

test_latest_denied if count(images.latest_tag(deployment("registry.example.com/web:latest"))) == 1

test_untagged_denied if count(images.latest_tag(deployment("registry.example.com:5000/web"))) == 1

test_tagged_allowed if count(images.latest_tag(deployment("registry.example.com:5000/web:1.2.3"))) == 0

test_digest_allowed if count(images.latest_tag(deployment("web@sha256:0123abcd"))) == 0

test_registry_denied if {
	count(images.registry(deployment("docker.io/library/nginx:1.27"), ["registry.example.com"])) == 1
}

test_registry_allowed if {
	count(images.registry(deployment("registry.example.com/web:1.0"), ["registry.example.com/"])) == 0
}

test_registry_unrestricted_with_empty_list if {
	count(images.registry(deployment("docker.io/library/nginx:1.27"), [])) == 0
}
