"""Change (correction) requests: on my page (signed in) and on the portal (receipt or project number)."""

from django.urls import path

from calsreg.portal.views import change

urlpatterns = [
    path("mypage/changes/", change.index, name="change_index"),
    path("mypage/changes/<int:project_id>/", change.mypage_form, name="change_new"),
    path("mypage/changes/<int:project_id>/fee/", change.fee_preview, name="change_fee"),
    path("mypage/changes/<int:project_id>/form.xlsx", change.workbook_download, name="change_workbook"),
    path("mypage/changes/<int:project_id>/upload/", change.mypage_upload, name="change_upload"),
    path("changes/", change.portal_form, name="change_portal"),
    path("changes/upload/", change.portal_upload, name="change_portal_upload"),
    path("changes/receipt/<str:number>/", change.receipt, name="change_receipt"),
]
