"""Library policies route new matches (decided automatically where the score is clear, logged), and
calibration from moderators' decisions suggests thresholds that only an admin applies (logged)."""

import uuid

import pytest

from jobs.events import job_finished
from jobs.models import Job, Match, ReviewEvent
from review import calibration, policies
from review.models import Policy, PolicyChange


def _segment(similarity: float, end: float = 12.0) -> list[dict]:
    return [
        {
            "start": 2.0,
            "end": end,
            "library_start": 30.0,
            "library_end": 30.0 + end - 2.0,
            "similarity": similarity,
        }
    ]


def test_a_policy_confirms_clear_copies_dismisses_weak_ones_and_leaves_the_rest(make_match, library, people):
    policies.set_policy(
        library=library,
        user=people["admin"],
        confirm_confidence=0.9,
        confirm_share=0.4,
        dismiss_confidence=0.55,
    )
    clear = make_match(0.5, "a", "q1", segments=_segment(0.95))  # 10 s of a 20 s upload at 0.95
    short = make_match(0.1, "b", "q2", segments=_segment(0.95, end=4.0))  # 2 s of 20 s: reviewed
    weak = make_match(0.3, "c", "q3", segments=_segment(0.5))
    middling = make_match(0.5, "d", "q4", segments=_segment(0.7))
    jobs = [m.job_id for m in (clear, short, weak, middling)]
    # The jobs' end is announced (jobs.services.announce_finished): the review app's listener routes.
    job_finished.send(sender=Job, job_ids=jobs, batch_id=None)
    statuses = {
        m.primary_key: Match.objects.get(id=m.id).review_status for m in (clear, short, weak, middling)
    }
    assert statuses == {"a": "confirmed", "b": "pending", "c": "dismissed", "d": "pending"}
    event = ReviewEvent.objects.get(match=clear)
    assert event.username == "(library policy)" and event.user is None
    assert "confidence 0.95, 50% of the upload copied" in event.note


def test_a_bulk_imports_matches_and_claimed_ones_are_left_alone(make_match, library, people):
    from review import claims

    policies.set_policy(
        library=library, user=people["admin"], confirm_confidence=0.5, dismiss_confidence=None
    )
    held = make_match(0.9, "a", "q1", segments=_segment(0.95))
    claims.claim(held, people["moderator"])
    imported = make_match(0.9, "b", "q2", segments=_segment(0.95))
    batch_id = uuid.uuid4()  # (no such batch: the imports app's listener finds nothing to advance)
    Job.objects.filter(id=imported.job_id).update(batch_id=batch_id)
    job_finished.send(sender=Job, job_ids=[imported.job_id], batch_id=batch_id)
    assert policies.apply_policies([held.job_id, imported.job_id]) == 0
    assert set(Match.objects.values_list("review_status", flat=True)) == {"pending"}


def test_policy_changes_are_checked_logged_and_for_admins(library, people, as_role):
    with pytest.raises(Exception, match="must not be above"):
        policies.set_policy(
            library=library, user=people["admin"], confirm_confidence=0.5, dismiss_confidence=0.8
        )
    admin = as_role("admin")
    url = f"/review/policies/{library.id.hex}/"
    assert (
        admin.post(url, {"confirm_confidence": "0.9", "confirm_share": "0.2", "reason": "first"}).status_code
        == 302
    )
    admin.post(
        url,
        {
            "confirm_confidence": "0.85",
            "confirm_share": "0.2",
            "dismiss_confidence": "0.4",
            "reason": "second",
        },
    )
    policy = Policy.objects.get(library=library)
    assert (policy.confirm_confidence, policy.dismiss_confidence) == (0.85, 0.4)
    newest, first = PolicyChange.objects.all()
    assert first.before == {} and newest.before["confirm_confidence"] == 0.9 and newest.reason == "second"
    assert "second" in admin.get(url).content.decode()
    assert as_role("moderator").post(url, {"confirm_confidence": "0.1"}).status_code == 403
    assert "confidence ≥ 0.85" in as_role("moderator").get("/review/policies/").content.decode()
    bad = admin.post(url, {"confirm_confidence": "2"})
    assert bad.status_code == 200 and Policy.objects.get(library=library).confirm_confidence == 0.85


def test_calibration_suggests_thresholds_at_the_stated_error_and_an_admin_applies_them(
    make_match, library, people, as_role
):
    from review import decisions

    # 30 confirmed copies at 0.85-0.995, one dismissed at 0.92; 12 dismissed at 0.30-0.41.
    for n in range(30):
        match = make_match(0.5, f"c{n}", f"qc{n}", segments=_segment(0.85 + n / 200))
        decisions.decide_match(match=match, user=people["moderator"], decision="confirmed")
    odd = make_match(0.5, "odd", "q-odd", segments=_segment(0.92))
    decisions.decide_match(match=odd, user=people["moderator"], decision="dismissed")
    for n in range(12):
        match = make_match(0.5, f"d{n}", f"qd{n}", segments=_segment(0.30 + n / 100))
        decisions.decide_match(match=match, user=people["moderator"], decision="dismissed")
    scored = calibration.decided_by_moderators(library)
    assert len(scored) == 43
    strict = calibration.suggest_confirm(scored, 0.0)  # above the odd one only
    assert strict.threshold == pytest.approx(0.925) and strict.errors == 0 and strict.decided == 15
    loose = calibration.suggest_confirm(scored, 0.05)  # every copy, the odd one taken with them
    assert loose.threshold == pytest.approx(0.85) and loose.errors == 1 and loose.decided == 31
    assert loose.share == pytest.approx(31 / 43)
    dismiss = calibration.suggest_dismiss(scored, 0.0)
    assert dismiss.decided == 12 and dismiss.threshold == pytest.approx(0.63)
    bins = calibration.spread(scored)
    assert (bins[8].confirmed, bins[9].confirmed, bins[9].dismissed) == (10, 20, 1)
    assert (bins[3].dismissed, bins[4].dismissed) == (10, 2)
    page = as_role("moderator").get(f"/review/calibration/{library.id.hex}/?error=0.05").content.decode()
    assert (
        "Confirm automatically at confidence ≥ <strong>0.85</strong>" in page
        and 'id="apply-form"' not in page
    )
    admin_page = as_role("admin").get(f"/review/calibration/{library.id.hex}/?error=0.05").content.decode()
    assert 'id="apply-form"' in admin_page
    as_role("admin").post(
        f"/review/policies/{library.id.hex}/",
        {
            "confirm_confidence": loose.threshold,
            "dismiss_confidence": dismiss.threshold,
            "reason": "calibration",
        },
    )
    assert PolicyChange.objects.get().reason == "calibration"
    assert Policy.objects.get(library=library).confirm_confidence == pytest.approx(0.85)


def test_calibration_leaves_out_copies_dismissed_as_licensed(make_match, people):
    from jobs.models import Match
    from review.calibration import decided_by_moderators

    licensed, wrong, confirmed = (
        make_match(0.9, "a", "q1"),
        make_match(0.3, "b", "q2"),
        make_match(0.95, "c", "q3"),
    )
    Match.objects.filter(id=licensed.id).update(
        review_status="dismissed", review_reason="licensed", reviewed_by=people["moderator"]
    )
    Match.objects.filter(id=wrong.id).update(
        review_status="dismissed", review_reason="not_a_copy", reviewed_by=people["moderator"]
    )
    Match.objects.filter(id=confirmed.id).update(review_status="confirmed", reviewed_by=people["moderator"])
    decided = decided_by_moderators(licensed.library)
    assert sorted(round(score.confidence, 2) for score, _ in decided) == [0.3, 0.95]
