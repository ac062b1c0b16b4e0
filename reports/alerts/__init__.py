"""Alerts: rules that watch brands' mentions (spike, negative cluster, group mention), the
alerts they raise with the articles that caused them, in-app notifications, per-user mutes,
and delivery by email and signed webhook. docs/alerts.md describes what triggers them."""
