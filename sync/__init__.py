"""Sync: runs connectors stream by stream; cursors, runs, locks, identities, links."""
