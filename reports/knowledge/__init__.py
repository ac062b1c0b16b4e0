"""The brand knowledge base: well-known brands from public data packages, installed by pip and npm.

``sources`` reads the installed packages, ``loader`` turns them into the ``KnowledgeBrand`` and
``KnowledgeName`` tables (``manage.py load_brand_knowledge``), ``index`` matches their written
forms in article text for the extractors. Nothing here reads the network.
"""
