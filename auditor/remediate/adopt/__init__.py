"""Adopting drift into Git: the live values of drifted fields written back to the app's
source (Kustomize overlay `images:` and a patch file, or plain YAML edited in place), on a
branch named by a fingerprint of the drift, pushed and proposed as a pull request.

`edits_for` is pure (files in, files out); `git.push_branch` does the Git work.
"""

from auditor.remediate.adopt.edits import AdoptEdits, edits_for
from auditor.remediate.adopt.fingerprint import branch_name, fingerprint

__all__ = ["AdoptEdits", "branch_name", "edits_for", "fingerprint"]
