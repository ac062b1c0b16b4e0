"""The admin's export of reports, mentions and brands (django-import-export's Export
button on each list, and its "Export selected" action), with the same columns and formula
rule as the app's exports."""

import logging
from typing import Any

from django.db.models import Count, QuerySet
from django.http import HttpRequest
from import_export.admin import ExportActionMixin
from import_export.formats.base_formats import CSV, XLSX

from reports.exports.resources import (
    AdminBrandResource,
    AdminMentionResource,
    AdminReportResource,
)
from reports.exports.writer import UTF8_BOM


class BomCSV(CSV):
    """CSV that spreadsheet programs open as UTF-8 (Excel guesses a legacy code page
    for a CSV file without a byte order mark, and accents come out garbled)."""

    def export_data(self, dataset: Any, **kwargs: Any) -> str:
        return UTF8_BOM + super().export_data(dataset, **kwargs)


logger = logging.getLogger("monitoring.bulk")


class ExportAdminMixin(ExportActionMixin):
    # The admin's export follows the changelist's filters and search, like the Export
    # button of the app's lists; the action exports the rows ticked. Its format page is
    # the confirmation step.
    export_formats = [BomCSV, XLSX]

    def get_valid_export_item_pks(self, request: HttpRequest) -> Any:
        # The library's default reads every id of the table to validate the ticked ones
        # (100,000 reports: 100,000 form choices per export). Only the posted ids are
        # checked, against what this list shows.
        posted = [v for v in request.POST.getlist("export_items") if v.isdigit() and len(v) < 19]
        return self.get_queryset(request).filter(pk__in=posted).values_list("pk", flat=True)

    def get_data_for_export(self, request: HttpRequest, queryset: QuerySet, **kwargs: Any) -> Any:
        data = super().get_data_for_export(request, queryset, **kwargs)
        # Who took which data out, like every other bulk action of the console.
        logger.info(
            "Admin export of %s %s by %s",
            len(data),
            self.model._meta.verbose_name_plural,
            request.user.get_username(),
            extra={"bulk_action": "export", "done": len(data)},
        )
        return data


class ReportExportAdminMixin(ExportAdminMixin):
    resource_classes = [AdminReportResource]


class MentionExportAdminMixin(ExportAdminMixin):
    resource_classes = [AdminMentionResource]


class BrandExportAdminMixin(ExportAdminMixin):
    resource_classes = [AdminBrandResource]

    def get_export_queryset(self, request: HttpRequest) -> QuerySet:
        # Every brand's mention count in one query, not one per row.
        return super().get_export_queryset(request).annotate(mentions_in_range=Count("mentions"))
