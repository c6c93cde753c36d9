"""Signals other apps listen to, so that jobs need not know them (imports/ follows its batches' jobs
this way)."""

from django.dispatch import Signal

# Sent once a job's end (success, failure, cancellation) is committed; arguments: job_id, batch_id.
job_finished = Signal()
