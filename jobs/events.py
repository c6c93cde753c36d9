"""Signals other apps listen to, so that jobs need not know them (imports/ follows its batches' jobs
this way)."""

from django.dispatch import Signal

# Sent once jobs' end (success, failure, cancellation) is committed; arguments: job_ids (the jobs of
# one batch, or of none, that ended together), batch_id.
job_finished = Signal()
