"""Views of the report and brand pages: one view and one template per page.

``reports`` holds the reports list and report page, ``mentions`` the review actions on a
report's mentions, ``brands`` the brand pages and their edits.
"""
