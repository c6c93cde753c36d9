from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from jobs.models import Job, JobStatus
from libraries.selectors import libraries


@login_required
def home(request):
    context = {
        "libraries": libraries()[:50],
        "queuing": Job.objects.filter(status=JobStatus.QUEUING).count(),
        "recent_jobs": Job.objects.select_related("library")[:20],
    }
    return render(request, "home.html", context)
