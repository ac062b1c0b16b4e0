"""Brand extractors: one interface, two implementations (LLM and rules)."""
