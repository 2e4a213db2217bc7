"""The media types of the Kubernetes API's request bodies: JSON, and the four patch types
(JSON patch, merge patch, strategic merge patch, server-side apply). One definition for
the client (live, apply) and the simulator's server."""

from __future__ import annotations

JSON = "application/json"
JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH)
