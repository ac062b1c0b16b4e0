"""PDF documents (WeasyPrint): the renderer every PDF goes through, and the report PDF."""
