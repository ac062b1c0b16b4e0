from contacts.views import contacts, discovery, drafts, email_templates, privacy, transfer

app_name = "contacts"

urlpatterns = [
    *contacts.urlpatterns,
    *discovery.urlpatterns,
    *drafts.urlpatterns,
    *email_templates.urlpatterns,
    *transfer.urlpatterns,
    *privacy.urlpatterns,
]
