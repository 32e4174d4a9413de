from django.urls import re_path

from accounts.api import views

# Each path answers with and without a trailing slash, without a redirect (a POST cannot follow one).
urlpatterns = [
    re_path(r"^auth/register/?$", views.RegisterView.as_view(), name="auth-register"),
    re_path(r"^auth/login/?$", views.LoginView.as_view(), name="auth-login"),
    re_path(r"^auth/refresh/?$", views.RefreshView.as_view(), name="auth-refresh"),
    re_path(r"^auth/logout/?$", views.LogoutView.as_view(), name="auth-logout"),
    re_path(r"^auth/verify-email/?$", views.VerifyEmailView.as_view(), name="auth-verify-email"),
    re_path(r"^auth/resend-verification/?$", views.ResendVerificationView.as_view(), name="auth-resend-verification"),
    re_path(r"^users/profile/?$", views.ProfileView.as_view(), name="users-profile"),
]
