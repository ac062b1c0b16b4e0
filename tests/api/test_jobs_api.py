"""Jobs and their runs through the API: read, run now, pause, resume, cancel, progress."""

from jobs.models import ExecutionStatus, JobExecution
from tests.jobs.builders import make_job
from tests.reports.page_data import make_feed


def test_jobs_list_and_read_with_their_schedule_and_feeds(alice_api, org_a):
    feed = make_feed(org_a, "Wire")
    make_job(org_a, name="Evening run")
    morning = make_job(org_a, name="Morning run", feeds=[feed])
    listed = alice_api.get("/api/jobs").json()
    assert [job["name"] for job in listed["items"]] == ["Evening run", "Morning run"]
    detail = alice_api.get(f"/api/jobs/{morning.pk}")
    assert detail.status_code == 200
    body = detail.json()
    assert body["feed_ids"] == [feed.pk]
    assert body["paused"] is False and body["schedule"]
    assert body["next_run_at"] is not None


def test_pause_and_resume_go_through_the_job_services(alice_api, org_a):
    make_feed(org_a, "Wire")
    job = make_job(org_a)
    paused = alice_api.post(f"/api/jobs/{job.pk}/pause")
    assert paused.status_code == 200
    assert paused.json()["paused"] is True and paused.json()["next_run_at"] is None
    job.periodic_task.refresh_from_db()
    assert job.periodic_task.enabled is False
    resumed = alice_api.post(f"/api/jobs/{job.pk}/resume")
    assert resumed.json()["paused"] is False


def test_run_now_queues_a_run_that_can_be_followed_and_cancelled(alice_api, org_a):
    make_feed(org_a, "Wire")
    job = make_job(org_a)
    run = alice_api.post(f"/api/jobs/{job.pk}/run")
    assert run.status_code == 202, run.content
    execution = run.json()
    assert execution["status"] == "queued" and execution["job_id"] == job.pk
    assert execution["warning"] is None
    followed = alice_api.get(f"/api/executions/{execution['id']}")
    assert followed.json()["progress_percent"] == 0
    etag = followed["ETag"]
    unchanged = alice_api.get(f"/api/executions/{execution['id']}", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    cancelled = alice_api.post(f"/api/executions/{execution['id']}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    again = alice_api.post(f"/api/executions/{execution['id']}/cancel")
    assert again.status_code == 422
    assert again.json()["error"]["code"] == "not_cancellable"
    runs = alice_api.get(f"/api/jobs/{job.pk}/executions", {"status": "cancelled"}).json()
    assert [item["id"] for item in runs["items"]] == [execution["id"]]


def test_a_run_without_feeds_warns_that_it_will_fetch_nothing(alice_api, org_a):
    feed = make_feed(org_a, "Wire")
    job = make_job(org_a)
    feed.enabled = False
    feed.save(update_fields=["enabled"])
    run = alice_api.post(f"/api/jobs/{job.pk}/run")
    assert run.status_code == 202
    assert run.json()["warning"]


def test_runs_page_newest_first(alice_api, org_a):
    make_feed(org_a, "Wire")
    job = make_job(org_a)
    for _ in range(3):
        JobExecution.objects.create(
            organization=org_a, job=job, status=ExecutionStatus.SUCCEEDED, task_id="t"
        )
    first = alice_api.get(f"/api/jobs/{job.pk}/executions", {"limit": 2}).json()
    rest = alice_api.get(
        f"/api/jobs/{job.pk}/executions", {"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    ids = [item["id"] for item in first["items"] + rest["items"]]
    assert ids == sorted(JobExecution.objects.values_list("pk", flat=True), reverse=True)


def test_a_job_is_created_changed_and_deleted(alice_api, org_a):
    from django_celery_beat.models import PeriodicTask

    from jobs.models import Job

    feed = make_feed(org_a, "Wire")
    created = alice_api.post(
        "/api/jobs",
        {
            "name": "Weekday mornings",
            "feed_ids": [feed.pk],
            "schedule_kind": "crontab",
            "cron_minute": "30",
            "cron_hour": "7",
            "cron_day_of_week": "1-5",
            "timezone": "Europe/Paris",
            "use_llm": False,
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["feed_ids"] == [feed.pk] and body["timezone"] == "Europe/Paris"
    assert PeriodicTask.objects.filter(name=f"job:{body['id']}", enabled=True).exists()
    changed = alice_api.patch(
        f"/api/jobs/{body['id']}",
        {"schedule_kind": "interval", "interval_every": 2, "feed_ids": []},
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["schedule_kind"] == "interval" and changed.json()["feed_ids"] == []
    assert alice_api.delete(f"/api/jobs/{body['id']}").status_code == 204
    assert not Job.objects.exists()
    assert not PeriodicTask.objects.filter(name=f"job:{body['id']}").exists()


def test_a_bad_schedule_or_a_null_name_is_refused_in_place(alice_api, org_a):
    from jobs.models import Job

    make_feed(org_a, "Wire")
    bad = alice_api.post(
        "/api/jobs", {"name": "Odd", "schedule_kind": "crontab", "cron_hour": "25"}
    )
    assert bad.status_code == 422, bad.content
    assert not Job.objects.exists()
    job = make_job(org_a)
    nulled = alice_api.patch(f"/api/jobs/{job.pk}", {"name": None})
    assert nulled.status_code == 422
    job.refresh_from_db()
    assert job.name == "Morning run"


def test_a_cancelled_run_is_retried_and_a_queued_one_is_not(alice_api, org_a):
    make_feed(org_a, "Wire")
    job = make_job(org_a)
    run = alice_api.post(f"/api/jobs/{job.pk}/run").json()
    not_yet = alice_api.post(f"/api/executions/{run['id']}/retry")
    assert not_yet.status_code == 422
    assert not_yet.json()["error"]["code"] == "not_retryable"
    alice_api.post(f"/api/executions/{run['id']}/cancel")
    retry = alice_api.post(f"/api/executions/{run['id']}/retry")
    assert retry.status_code == 202, retry.content
    assert retry.json()["status"] == "queued" and retry.json()["id"] != run["id"]
