"""Events about an organization that other parts of the app react to.

Senders and receivers live in different apps (quotas send, billing webhooks and the audit log
receive), so they meet here rather than importing each other.
"""

from django.dispatch import Signal

# A resource's use crossed a warning threshold of its limit, once per period.
# kwargs: organization, resource (str), used (int), limit (int), percent (80 or 100)
quota_threshold_crossed = Signal()

# An operator (or anyone) changed an organization's plan.
# kwargs: organization, old_plan (Plan | None), new_plan (Plan | None), actor (User | None)
plan_changed = Signal()

# A new organization exists. kwargs: organization
organization_created = Signal()
