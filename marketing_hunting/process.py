"""What kind of process this is, for the few settings that differ between them.

Set by the entry point before the settings load (``asgi.py`` marks the web process). A module
attribute, not an environment variable, so processes started from this one (tests start
workers, the web may spawn commands) do not inherit it.
"""

WEB = False
