from django.urls import path

from governance import audit_views, oidc, views

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("login/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("account/two-step/", views.two_factor_setup, name="two_factor_setup"),
    path("sso/start/", oidc.SignInView.as_view(), name="oidc_authentication_init"),
    path("sso/callback/", oidc.CallbackView.as_view(), name="oidc_authentication_callback"),
    path("invitations/", views.invitation_list, name="invitation_list"),
    path("invitations/new/", views.invitation_create, name="invitation_create"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("password-reset/", views.password_reset_view, name="password_reset"),
    path("password-reset/sent/", views.password_reset_sent_view, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.password_reset_confirm_view,
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        views.password_reset_complete_view,
        name="password_reset_complete",
    ),
    path("accessibility/", views.accessibility_view, name="accessibility"),
    path("privacy/", views.privacy_view, name="privacy"),
    path(
        "collaboratives/<int:pk>/audit/",
        audit_views.collaborative_audit,
        name="collaborative_audit",
    ),
    path("ahsns/<int:pk>/audit/", audit_views.ahsn_audit, name="ahsn_audit"),
]
