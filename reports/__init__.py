"""Reports: brand extraction, entity resolution, mentions and feedback."""
