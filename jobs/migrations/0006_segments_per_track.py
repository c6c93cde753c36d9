"""Matched segments kept per track in one field ({"video": [...], "audio": [...], "text": [...]}), with
the library side named library_* (the API still shows master_*); job notes; media kinds as a callable
so a new kind needs no migration."""

import core.kinds
from django.db import migrations, models

TRACKS = ("video", "audio", "text")
RENAMED = {"master_start": "library_start", "master_end": "library_end", "master_text": "library_text"}


def _renamed(segment: dict, names: dict) -> dict:
    return {names.get(key, key): value for key, value in segment.items()}


def merge_tracks(apps, schema_editor):
    Match = apps.get_model("jobs", "Match")
    for match in Match.objects.all().iterator(chunk_size=500):
        match.segments = {
            track: [_renamed(s, RENAMED) for s in getattr(match, f"{track}_segments")]
            for track in TRACKS
            if getattr(match, f"{track}_segments")
        }
        match.save(update_fields=["segments"])


def split_tracks(apps, schema_editor):
    Match = apps.get_model("jobs", "Match")
    back = {new: old for old, new in RENAMED.items()}
    for match in Match.objects.all().iterator(chunk_size=500):
        for track in TRACKS:
            setattr(match, f"{track}_segments", [_renamed(s, back) for s in match.segments.get(track, [])])
        match.save(update_fields=[f"{track}_segments" for track in TRACKS])


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0005_compat_inputs"),
    ]

    operations = [
        migrations.AddField(
            model_name="job",
            name="notes",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="match",
            name="segments",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(merge_tracks, split_tracks),
        migrations.RemoveField(model_name="match", name="audio_segments"),
        migrations.RemoveField(model_name="match", name="text_segments"),
        migrations.RemoveField(model_name="match", name="video_segments"),
        migrations.AlterField(
            model_name="job",
            name="media_type",
            field=models.CharField(choices=core.kinds.choices, max_length=8),
        ),
    ]
