"""The Django admin for imports: batches and items listed with filters and search, and an action that
re-fingerprints selected library items in the background."""

from libraries.models import Media, StoredFingerprint


def test_batches_and_items_are_listed_filtered_and_searched(
    library, archive_folder, run_import, admin_client
):
    run_import("photos", archive_folder)
    batches = admin_client.get("/admin/imports/importbatch/?status__exact=done")
    assert batches.status_code == 200 and "archive" in batches.content.decode()
    failed = admin_client.get("/admin/imports/importitem/?status__exact=failed&q=damaged")
    body = failed.content.decode()
    assert failed.status_code == 200 and "InvalidFile.Corrupt" in body and "hummingbird" not in body


def test_the_re_fingerprint_action_makes_the_selected_items_fingerprints_again(
    library, archive_folder, run_import, admin_client, django_capture_on_commit_callbacks
):
    run_import("photos", archive_folder)
    item = Media.objects.get(primary_key="moon")
    stored = StoredFingerprint.objects.get(media=item)
    good = bytes(stored.data)
    StoredFingerprint.objects.filter(id=stored.id).update(data=b"damaged")  # what the action is for
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/libraries/media/", {"action": "refingerprint", "_selected_action": [item.id.hex]}
        )
    assert response.status_code == 302
    assert bytes(StoredFingerprint.objects.get(id=stored.id).data) == good
