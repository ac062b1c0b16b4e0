"""Email drafting: built-in templates and tones (``defaults``), plain-text rendering
(``render``), the AI draft (``llm``) and ``mailto:`` links (``mailto``). The services that
use them are in ``contacts.services.drafting``."""
