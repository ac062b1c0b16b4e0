"""Contact pages, one module per area; ``contacts.urls`` joins their ``urlpatterns``."""
