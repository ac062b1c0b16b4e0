from django.urls import path

from reports.views import exports, keyword_rules, mentions, reports

app_name = "reports"

urlpatterns = [
    path("", reports.report_list, name="list"),
    path("<int:pk>/", reports.report_detail, name="detail"),
    path("<int:pk>/pdf/", reports.report_pdf, name="pdf"),
    path("mentions/<int:pk>/confirm/", mentions.mention_confirm, name="mention_confirm"),
    path("mentions/<int:pk>/reject/", mentions.mention_reject, name="mention_reject"),
    path("mentions/<int:pk>/reassign/", mentions.mention_reassign, name="mention_reassign"),
    path("exports/new/", exports.export_create, name="export"),
    path("exports/count/", exports.export_count, name="export_count"),
    path("exports/<int:pk>/", exports.export_detail, name="export_detail"),
    path("exports/<int:pk>/download/", exports.export_download, name="export_download"),
    path("rules/", keyword_rules.keyword_rule_list, name="rules"),
    path("rules/add/", keyword_rules.keyword_rule_create, name="rule_create"),
    path("rules/preview/", keyword_rules.keyword_rule_preview, name="rule_preview"),
    path("rules/<int:pk>/edit/", keyword_rules.keyword_rule_edit, name="rule_edit"),
    path("rules/<int:pk>/toggle/", keyword_rules.keyword_rule_toggle, name="rule_toggle"),
    path("rules/<int:pk>/delete/", keyword_rules.keyword_rule_delete, name="rule_delete"),
    # Brand.get_absolute_url reverses this name; it forwards to the brands namespace.
]
