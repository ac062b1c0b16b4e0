"""Exports of reports, mentions and brands as CSV or XLSX (issue #13, item 1).

The columns are django-import-export resources (``resources``), written row by row
(``writer``) so that a large file streams in constant memory; a range of dates is resolved
in the organization's time zone (``ranges``); ``services`` builds the rows a list page
shows, and runs the large exports in the background with a download link that expires.
"""
