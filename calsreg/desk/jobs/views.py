"""The daily jobs' history: what ran, how long it took, what failed (help desk and administrators)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from calsreg.desk.permissions import desk_staff_required
from calsreg.jobs.registry import daily_job_label
from calsreg.jobs.selectors import HISTORY_LIMIT, daily_job_runs_recent


@desk_staff_required
def daily_jobs(request: HttpRequest) -> HttpResponse:
    runs = [
        (run, [(daily_job_label(job["name"]), job) for job in run.outcomes])
        for run in daily_job_runs_recent()
    ]
    return render(request, "desk/daily_jobs.html", {"runs": runs, "limit": HISTORY_LIMIT})
