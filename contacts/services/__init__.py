"""Contact services: plain functions that views, tasks, admin actions and commands share."""
