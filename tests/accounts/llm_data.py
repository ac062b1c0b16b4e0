"""Shared pieces for the tests of an organization's own LLM connection."""

from __future__ import annotations

from cryptography.fernet import Fernet

from accounts.llm_connection import llm_connection_update
from accounts.models import LLMSource, Membership, Organization, OrganizationLLM

# Long and distinctive, so a test can search any text for it (and for its tail).
ORG_KEY = "sk-org-a-7Hq2ZxW9pLm4Rt8VbN3cKd6Fj1Ys5Ge0abcd"


def new_fernet_key() -> str:
    return Fernet.generate_key().decode()


def save_own_connection(
    organization: Organization,
    base_url: str,
    *,
    api_key: str = ORG_KEY,
    model: str = "org-model",
) -> OrganizationLLM:
    owner = Membership.objects.filter(organization=organization, role="owner").first()
    assert owner is not None, "the organization needs an owner"
    return llm_connection_update(
        organization=organization,
        actor=owner,
        source=LLMSource.OWN,
        base_url=base_url,
        model=model,
        api_key=api_key,
    )
