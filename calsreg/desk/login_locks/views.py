"""Login locks: which IDs and client addresses are refused at sign-in now, and lifting one (help desk
and administrators).

A holder locked out by someone else's guessing calls the help desk; after checking who is calling,
the desk lifts the lock (the lift is audited). "Forgot password" lifts it too, without the desk. An
address refused for every ID (too many wrong passwords from it: password spraying) may be a site
office's shared one; the desk lifts it after checking with the office (audited too).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from calsreg.accounts.selectors import login_address_locks_current, login_locks_current
from calsreg.accounts.services import account_login_address_lock_lift, account_login_locks_lift
from calsreg.core import clock
from calsreg.desk.feedback import run_service
from calsreg.desk.permissions import desk_staff_required
from calsreg.records.services import Actor


@desk_staff_required
def login_locks(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    return render(
        request,
        "desk/login_locks.html",
        {"locks": login_locks_current(at=now), "address_locks": login_address_locks_current(at=now)},
    )


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


@desk_staff_required
@require_POST
def login_address_lock_lift(request: HttpRequest) -> HttpResponse:
    address = request.POST.get("address", "")
    run_service(
        request,
        lambda: account_login_address_lock_lift(address=address, actor=Actor.staff(request.user)),
        _("接続元 %(address)s のログイン停止を解除しました。") % {"address": address},
    )
    return redirect("desk:login_locks")
