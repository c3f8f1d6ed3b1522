from django.urls import path

from calsreg.portal import urls_confirm, urls_correct, urls_mypage
from calsreg.portal.change import urls as urls_change
from calsreg.portal.views import apply, pages, postcode, status, upload

app_name = "portal"

urlpatterns = [
    path("", pages.top, name="top"),
    path("how-to-apply/", pages.how_to_apply, name="how_to_apply"),
    path("downloads/", pages.downloads, name="downloads"),
    path("downloads/application-form.xlsx", pages.workbook_download, name="workbook"),
    path("downloads/terms.pdf", pages.terms_pdf, name="terms_pdf"),
    path("terms/", pages.terms, name="terms"),
    path("apply/", apply.apply_form, name="apply"),
    path("apply/supervisors/", apply.supervisor_choices, name="apply_supervisors"),
    path("apply/user-row/", apply.user_row_add, name="apply_user_row"),
    path("apply/postcode/", postcode.postcode_lookup, name="postcode"),
    path("apply/upload/", upload.apply_upload, name="apply_upload"),
    path("apply/receipt/<str:receipt_number>/", status.receipt, name="receipt"),
    path("apply/receipt/<str:receipt_number>/application.pdf", status.receipt_pdf, name="receipt_pdf"),
    path("status/", status.status_lookup, name="status"),
]
# The supervisor's confirmation page, the applicant's correction page, the account holders' my page.
urlpatterns += urls_confirm.urlpatterns + urls_correct.urlpatterns + urls_mypage.urlpatterns
# Change (correction) requests on my page and on the portal.
urlpatterns += urls_change.urlpatterns
