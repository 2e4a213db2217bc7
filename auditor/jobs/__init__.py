"""The background service on Redis and RQ: job functions (audits, rounds, syncs, adopt PRs,
the Git poll, retention), the queues and their deduplication, the lease lock of syncs, the
worker, the scheduler, the watcher, the embedded Redis and `serve`'s process tree.

rq and redis are confined to this package; the jobs call the service layer.
"""
