"""Contacts: brand contacts, discovery providers and AI-drafted outreach emails."""
