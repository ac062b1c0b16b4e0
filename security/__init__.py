"""Dependency audit tools: the offline advisory check and the advisory snapshot refresh."""
