"""Contact discovery: providers that find suggested contacts for a brand in public sources.

- :class:`~contacts.discovery.search.WebSearchProvider`: public profile listings returned by
  a search API (titles and snippets only; LinkedIn itself is never requested);
- :class:`~contacts.discovery.website.BrandWebsiteProvider`: press contacts on the brand's
  own pages, honouring robots.txt.

Providers only read and return :class:`Findings`; :mod:`contacts.discovery.store` saves them
as suggestions and :mod:`contacts.services.discovery` runs the whole search.
"""

from contacts.discovery.base import Candidate, Findings, Provider, RateLimited
from contacts.discovery.search import WebSearchProvider
from contacts.discovery.website import BrandWebsiteProvider


def default_providers() -> list[Provider]:
    """The providers a discovery run asks, in order: the brand's own site first."""
    return [BrandWebsiteProvider(), WebSearchProvider()]


__all__ = [
    "BrandWebsiteProvider",
    "Candidate",
    "Findings",
    "Provider",
    "RateLimited",
    "WebSearchProvider",
    "default_providers",
]
