"""collab.jobs: tasks are sent by name, only once the transaction that asked commits."""

import pytest
from django.db import transaction

from collab import jobs

pytestmark = pytest.mark.django_db

TASK = "measures.tasks.data_reminders_send"


@pytest.fixture
def reminders(monkeypatch):
    """The plain function the task calls, recording each run instead of sending emails."""
    runs = []

    def send():
        runs.append("sent")
        return 0

    monkeypatch.setattr("measures.completeness.data_reminders_send", send)
    return runs


def test_it_runs_the_task_named_once_the_transaction_commits(
    reminders, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            jobs.send_on_commit(TASK)
        assert reminders == [], "sent before the commit"
    assert reminders == ["sent"]


def test_it_sends_nothing_when_the_transaction_rolls_back(
    reminders, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        jobs.send_on_commit(TASK)
        raise RuntimeError("the write failed")
    assert callbacks == [] and reminders == []


def test_it_names_the_worker_by_host_and_task_run():
    class Request:
        hostname, id = "celery@web-1", "5f0c"

    class Task:
        request = Request()

    assert jobs.worker_name(Task()) == "celery@web-1:5f0c"
    Request.hostname = Request.id = None
    assert jobs.worker_name(Task()) == "eager:local"
