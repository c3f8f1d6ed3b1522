"""The account holders' my page (contractor users and orderer supervisors)."""

from django.urls import path

from calsreg.portal.views import mypage

urlpatterns = [
    path("mypage/", mypage.mypage, name="mypage"),
    path("mypage/invoices/<int:pk>.pdf", mypage.invoice_pdf, name="invoice_pdf"),
    path("mypage/invoices/<int:pk>/receipt.pdf", mypage.receipt_pdf, name="receipt_pdf"),
    path("mypage/login/", mypage.PortalLoginView.as_view(), name="login"),
    path("mypage/logout/", mypage.PortalLogoutView.as_view(), name="logout"),
    path("mypage/password/", mypage.password_change, name="password_change"),
    path("mypage/password/reset/", mypage.password_reset, name="password_reset"),
    path("mypage/password/reset/sent/", mypage.password_reset_sent, name="password_reset_sent"),
    path("mypage/password/reset/done/", mypage.password_reset_complete, name="password_reset_complete"),
    # The link in the reset mail (accounts.services.notices.account_password_reset_prepare).
    path(
        "mypage/password/reset/<str:uidb64>/<str:token>/",
        mypage.password_reset_confirm,
        name="password_reset_confirm",
    ),
]
