"""Writes for reports, brands and mentions (called by tasks, views, admin and commands)."""
