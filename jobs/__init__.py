"""Jobs: schedules, executions, heartbeats, stuck-job sweeps and live progress."""
