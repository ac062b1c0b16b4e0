"""The REST API (django-ninja) under ``/api/``: keys, errors, pagination, rate limits and ETags
shared by the routers each app declares in its own ``api.py`` (docs/api.md)."""
