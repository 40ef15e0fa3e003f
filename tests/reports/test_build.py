"""The build task: claimed once, re-sent when lost, taken back from a silent worker, failed
with its reason after a few attempts, never run on a signed-off report."""

import datetime as dt
from datetime import timedelta

import pytest
from django.utils import timezone

from reports import build
from reports.build import review_build, review_claim, review_rebuild, reviews_sweep
from reports.models import ContractReview
from tests.cast import build_cast

pytestmark = pytest.mark.django_db

Status = ContractReview.Status


@pytest.fixture
def cast():
    return build_cast()


@pytest.fixture
def review(cast):
    return ContractReview.objects.create(
        ahsn=cast.east,
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 12, 31),
        requested_by=cast.users["director"],
        sent_at=timezone.now(),
    )


def test_it_builds_a_draft_once_and_a_second_delivery_does_nothing(review):
    assert review_build(review.pk, worker="w1")
    review.refresh_from_db()
    assert review.status == Status.READY
    first = (review.built_at, bytes(review.pdf))
    assert not review_build(review.pk, worker="w2")  # redelivered after it finished
    review.refresh_from_db()
    assert (review.built_at, bytes(review.pdf)) == first
    assert [c["name"] for c in review.document["collaboratives"]] == ["Falls", "Sepsis"]


def test_a_build_held_by_a_live_worker_is_not_claimed_again(review):
    assert review_claim(review.pk, "w1") == 1
    assert review_claim(review.pk, "w2") is None
    assert not review_build(review.pk, worker="w2")
    review.refresh_from_db()
    assert review.claimed_by == "w1" and review.status == Status.BUILDING


def test_the_sweeper_takes_back_a_build_whose_worker_went_silent(
    review, django_capture_on_commit_callbacks
):
    review_claim(review.pk, "killed-worker")
    ContractReview.objects.filter(pk=review.pk).update(
        heartbeat_at=timezone.now() - build.SILENT_AFTER - timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert reviews_sweep() == {"resent": 1, "failed": 0}
    review.refresh_from_db()
    assert review.status == Status.READY  # the re-sent task (eager here) built it
    assert review.claimed_by != "killed-worker"
    assert review.attempts == 2


def test_the_sweeper_resends_a_draft_whose_message_was_lost(
    review, django_capture_on_commit_callbacks
):
    ContractReview.objects.filter(pk=review.pk).update(
        sent_at=timezone.now() - build.RESEND_AFTER - timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert reviews_sweep()["resent"] == 1
    review.refresh_from_db()
    assert review.status == Status.READY


def test_the_sweeper_leaves_fresh_drafts_and_live_builds_alone(review):
    assert reviews_sweep() == {"resent": 0, "failed": 0}
    review_claim(review.pk, "w1")
    assert reviews_sweep() == {"resent": 0, "failed": 0}


def test_a_worker_that_lost_its_claim_mid_way_stores_nothing(review, monkeypatch):
    def taken_over(ahsn, start, end, *, progress):
        # Another worker took the build over while this one was thought silent.
        ContractReview.objects.filter(pk=review.pk).update(claimed_by="w2")
        progress(50, "Reading")
        raise AssertionError("progress should have stopped the build")

    monkeypatch.setattr("reports.content.review_document", taken_over)
    assert not review_build(review.pk, worker="w1")
    review.refresh_from_db()
    assert review.status == Status.BUILDING and review.claimed_by == "w2"
    assert review.document == {} and review.pdf is None


def test_a_failing_build_is_retried_then_failed_with_its_reason(review, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the data could not be read")

    monkeypatch.setattr("reports.content.review_document", broken)
    for attempt in range(1, build.MAX_ATTEMPTS):
        assert not review_build(review.pk, worker=f"w{attempt}")
        review.refresh_from_db()
        assert review.status == Status.DRAFT  # back for the sweeper to send again
        assert "the data could not be read" in review.last_error
    assert not review_build(review.pk, worker="last")
    review.refresh_from_db()
    assert review.status == Status.FAILED
    assert "the data could not be read" in review.last_error


def test_the_sweeper_fails_a_build_out_of_attempts(review):
    ContractReview.objects.filter(pk=review.pk).update(
        status=Status.BUILDING,
        attempts=build.MAX_ATTEMPTS,
        heartbeat_at=timezone.now() - build.SILENT_AFTER - timedelta(seconds=1),
    )
    assert reviews_sweep()["failed"] == 1
    review.refresh_from_db()
    assert review.status == Status.FAILED
    assert review.last_error


def test_a_signed_off_review_is_never_claimed_or_rebuilt(review):
    review_build(review.pk, worker="w1")
    ContractReview.objects.filter(pk=review.pk).update(
        status=Status.SIGNED_OFF, signed_off_at=timezone.now(), signed_off_by_name="Dr Director"
    )
    review.refresh_from_db()
    pdf = bytes(review.pdf)
    assert review_claim(review.pk, "w2") is None
    assert not review_rebuild(review)
    assert not review_build(review.pk, worker="w3")
    ContractReview.objects.filter(pk=review.pk).update(
        heartbeat_at=timezone.now() - timedelta(days=1)
    )
    assert reviews_sweep() == {"resent": 0, "failed": 0}
    review.refresh_from_db()
    assert bytes(review.pdf) == pdf and review.status == Status.SIGNED_OFF


def test_rebuilding_a_draft_keeps_its_commentary(review, django_capture_on_commit_callbacks):
    review_build(review.pk, worker="w1")
    ContractReview.objects.filter(pk=review.pk).update(commentary={"summary": "Kept."})
    review.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        assert review_rebuild(review)
    review.refresh_from_db()
    assert review.status == Status.READY
    assert review.commentary == {"summary": "Kept."}
    assert "Kept." in review.html


def test_the_contents_run_over_as_many_pages_as_a_large_ahsn_needs(review):
    import copy
    import io
    import re

    from pypdf import PdfReader

    from reports.pdf import render_pdf
    from reports.render import numbered

    review_build(review.pk, worker="w1")
    review.refresh_from_db()
    doc = copy.deepcopy(review.document)
    doc["collaboratives"] = [
        {**c, "id": c["id"] + 1000 * k, "key": f"k{k}-{c['key']}", "name": f"{c['name']} {k}"}
        for k in range(20)
        for c in review.document["collaboratives"]
    ]
    reader = PdfReader(io.BytesIO(render_pdf(numbered(doc), {}, {}, signed=None)))
    pages = [p.extract_text() for p in reader.pages]
    contents = [i for i, text in enumerate(pages) if re.search(r"Aim and stretch target \d+", text)]
    assert len(contents) >= 2  # the contents need more than one page
    summary = contents[-1] + 1
    assert "1. Portfolio summary" in pages[summary]
    assert "led or partnered in" in pages[summary]  # the section itself, not the contents
    listed = int(re.search(r"1\. Portfolio summary (\d+)", pages[contents[0]]).group(1))
    assert f"Page {listed} of {len(pages)}" in pages[summary]


def test_the_same_task_redelivered_after_its_worker_died_builds_at_once(review):
    # acks_late: a worker killed mid-build leaves the message to be delivered again, with
    # the same task id, to the restarted worker: no need to wait for the sweeper.
    assert review_claim(review.pk, "host:task-1") == 1
    assert review_build(review.pk, worker="host:task-1")
    review.refresh_from_db()
    assert review.status == Status.READY
    assert review.build_generation == 2


def test_a_failed_build_says_so_and_the_director_can_try_again(
    cast, review, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from tests.cast import client_for

    ContractReview.objects.filter(pk=review.pk).update(
        status=Status.FAILED, progress_note="The build failed; try again or ask for help."
    )
    client = client_for(cast.users["director"])
    page = client.get(reverse("review_detail", args=[review.pk])).content.decode()
    assert "could not be built" in page and "Try again" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("review_rebuild", args=[review.pk]))
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == Status.READY
