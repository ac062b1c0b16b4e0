"""Models for jobs arrive with scheduled jobs; the module exists so post_migrate reaches the app."""
