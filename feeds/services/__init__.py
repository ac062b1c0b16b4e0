"""Writes and fetches for feeds and articles (called by views, tasks, admin and commands)."""
