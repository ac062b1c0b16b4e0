"""Scheduled digests: a template chooses the content, a subscription says to whom and when,
one delivery per recipient and period is sent by email (charts as inline PNG, PDF on request).
docs/digests.md describes the whole."""
