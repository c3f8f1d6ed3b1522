"""The applicant's own changes to an application: correcting a returned one, withdrawing one."""

from django.urls import path

from calsreg.portal.views import correct, status

urlpatterns = [
    # The link in the returned-application mail (applications.services.decisions.correction_link_prepare).
    path("apply/correct/<str:token>/", correct.correct_form, name="correct"),
    path("apply/corrected/<str:receipt_number>/", correct.correct_receipt, name="correct_receipt"),
    # Withdrawal starts from the status page's result (receipt number + e-mail, by POST only).
    path("status/withdraw/", status.withdraw, name="withdraw"),
    path("status/withdrawn/", status.withdrawn, name="withdrawn"),
]
