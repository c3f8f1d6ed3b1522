"""The daily jobs' history: what ran, how long it took, what failed (help desk and administrators)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from calsreg.desk.permissions import desk_staff_required
from calsreg.jobs.selectors import HISTORY_LIMIT, daily_job_runs_recent


@desk_staff_required
def daily_jobs(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/daily_jobs.html", {"runs": daily_job_runs_recent(), "limit": HISTORY_LIMIT})
