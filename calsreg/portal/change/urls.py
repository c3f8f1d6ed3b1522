"""Change (correction) requests: on my page (signed in) and on the portal (receipt or project number)."""

from django.urls import path

from calsreg.portal.change import views

urlpatterns = [
    path("mypage/changes/", views.index, name="change_index"),
    path("mypage/changes/<int:project_id>/", views.mypage_form, name="change_new"),
    path("mypage/changes/<int:project_id>/fee/", views.fee_preview, name="change_fee"),
    path("mypage/changes/<int:project_id>/form.xlsx", views.workbook_download, name="change_workbook"),
    path("mypage/changes/<int:project_id>/upload/", views.mypage_upload, name="change_upload"),
    path("changes/", views.portal_form, name="change_portal"),
    path("changes/upload/", views.portal_upload, name="change_portal_upload"),
    path("changes/receipt/<str:number>/", views.receipt, name="change_receipt"),
]
