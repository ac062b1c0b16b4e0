"""Share links: a read-only, expiring, revocable link to an analytics view or a digest for
someone without an account (issue #13, item 6)."""
