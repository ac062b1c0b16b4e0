from contacts.views import contacts, discovery, drafts, privacy, transfer

app_name = "contacts"

urlpatterns = [
    *contacts.urlpatterns,
    *discovery.urlpatterns,
    *drafts.urlpatterns,
    *transfer.urlpatterns,
    *privacy.urlpatterns,
]
