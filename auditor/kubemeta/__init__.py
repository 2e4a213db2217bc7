"""Kubernetes API metadata shared by kubesim and the diff stage: the OpenAPI type
definitions (list types, map keys, patch strategies) and the managedFields `fieldsV1`
format. Pure: reads only the definitions packaged with `kubernetes-validate`."""
