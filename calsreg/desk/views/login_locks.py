"""Login locks: which IDs are refused at sign-in now, and lifting one (help desk and administrators).

A holder locked out by someone else's guessing calls the help desk; after checking who is calling,
the desk lifts the lock (the lift is audited). "Forgot password" lifts it too, without the desk.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from calsreg.accounts.selectors import login_locks_current
from calsreg.accounts.services import account_login_locks_lift
from calsreg.core import clock
from calsreg.desk.feedback import run_service
from calsreg.desk.permissions import desk_staff_required
from calsreg.records.services import Actor


@desk_staff_required
def login_locks(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/login_locks.html", {"locks": login_locks_current(at=clock.now())})


@desk_staff_required
@require_POST
def login_lock_lift(request: HttpRequest) -> HttpResponse:
    username = request.POST.get("username", "")
    run_service(
        request,
        lambda: account_login_locks_lift(username=username, actor=Actor.staff(request.user)),
        _("%(username)s のログイン停止を解除しました。") % {"username": username},
    )
    return redirect("desk:login_locks")
