"""Git sources: fetch repositories, resolve revisions and materialize trees.

`Sources.checkout(url_or_path, revision)` is the one entry point: it returns a `Checkout`
(a directory with the tree at a SHA, or a local working tree as it is).
"""

from auditor.sources.checkout import WORKTREE, Checkout, Sources
from auditor.sources.git import Credentials

__all__ = ["WORKTREE", "Checkout", "Credentials", "Sources"]
