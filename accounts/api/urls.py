from accounts.api import team_views, views
from agendazap.api.routing import slash_optional

urlpatterns = [
    *slash_optional("auth/register", views.RegisterView.as_view(), name="auth-register"),
    *slash_optional("auth/login", views.LoginView.as_view(), name="auth-login"),
    *slash_optional("auth/refresh", views.RefreshView.as_view(), name="auth-refresh"),
    *slash_optional("auth/logout", views.LogoutView.as_view(), name="auth-logout"),
    *slash_optional("auth/verify-email", views.VerifyEmailView.as_view(), name="auth-verify-email"),
    *slash_optional(
        "auth/resend-verification", views.ResendVerificationView.as_view(), name="auth-resend-verification"
    ),
    *slash_optional("auth/switch-business", views.SwitchBusinessView.as_view(), name="auth-switch-business"),
    *slash_optional("users/profile", views.ProfileView.as_view(), name="users-profile"),
    *slash_optional("auth/accept-invitation", team_views.AcceptInvitationView.as_view(), name="auth-accept-invitation"),
    *slash_optional("team/members", team_views.TeamMembersView.as_view(), name="team-members"),
    *slash_optional(
        "team/members/<str:member_id>/make-owner", team_views.TeamOwnershipView.as_view(), name="team-member-owner"
    ),
    *slash_optional("team/members/<str:member_id>", team_views.TeamMemberDetailView.as_view(), name="team-member"),
    *slash_optional(
        "team/members/<str:member_id>/resend", team_views.TeamMemberResendView.as_view(), name="team-member-resend"
    ),
]
