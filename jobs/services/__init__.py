"""Services of the jobs app: jobs and their schedules, executions, the run, the sweep."""
