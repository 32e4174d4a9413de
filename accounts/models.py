import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils.functional import cached_property
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

DEFAULT_TIMEZONE = "America/Sao_Paulo"
BUSINESS_DESCRIPTION_MAX_LENGTH = 300


class TemplateType(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation")
    SERVICE_TABLE = "service_table", _("Service table")


class PlanType(models.TextChoices):
    FREE = "free", _("Free")
    STARTER = "starter", _("Starter")
    PRO = "pro", _("Pro")
    ENTERPRISE = "enterprise", _("Enterprise")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        return self.get(email=self.normalize_email_address(email))

    @staticmethod
    def normalize_email_address(email: str) -> str:
        """Return the email as stored: trimmed and lowercased, so login ignores case."""
        return (email or "").strip().lower()

    def create_user(self, email, password=None, **extra_fields):
        if not email:
            raise ValueError("An email is required")
        user = self.model(email=self.normalize_email_address(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("is_verified", True)
        return self.create_user(email, password, **extra_fields)


class Business(models.Model):
    """The tenant: a salon, a barber shop, a clinic. Every domain row belongs to one business, and
    logins reach it through memberships (docs/architecture.md)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("business name"), max_length=255, blank=True)
    slug = models.SlugField(
        _("business slug"), max_length=60, unique=True, help_text=_("Address of the public booking page: /b/<slug>/")
    )
    template_type = models.CharField(
        _("template type"), max_length=20, choices=TemplateType.choices, default=TemplateType.SERVICE_TABLE
    )
    whatsapp_number = models.CharField(_("WhatsApp number"), max_length=20, blank=True, help_text=_("E.164"))
    address = models.TextField(_("address"), blank=True)
    description = models.CharField(
        _("short description"),
        max_length=BUSINESS_DESCRIPTION_MAX_LENGTH,
        blank=True,
        help_text=_("Shown on the public booking page."),
    )
    timezone = models.CharField(_("time zone"), max_length=64, default=DEFAULT_TIMEZONE)
    plan_type = models.CharField(_("plan"), max_length=20, choices=PlanType.choices, default=PlanType.FREE)
    created_at = models.DateTimeField(_("created at"), default=now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("business")
        verbose_name_plural = _("businesses")
        ordering = ["name"]

    def __str__(self):
        return self.name or self.slug

    @cached_property
    def owner_login(self) -> "User":
        """The login that owns the business (one per business)."""
        return User.objects.get(memberships__business=self, memberships__role=Role.OWNER)

    @property
    def email(self) -> str:
        """Where the business is written to (its notices, plan alerts, test emails): its owner's login."""
        return self.owner_login.email


class BusinessLogo(models.Model):
    """The business's logo, kept in the database so that every web node serves it without shared storage.

    A row of its own, not columns of Business: the business is read on every request, the image
    only when someone asks for it. Stored re-encoded and small (accounts.services.business_logo_set).
    """

    business = models.OneToOneField(
        Business, on_delete=models.CASCADE, primary_key=True, related_name="logo", verbose_name=_("business")
    )
    data = models.BinaryField(_("image"))
    content_type = models.CharField(_("content type"), max_length=30)
    # A hash of the image: the version in its URL and its ETag, so a new logo gets a new URL.
    digest = models.CharField(_("digest"), max_length=64)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("business logo")
        verbose_name_plural = _("business logos")

    def __str__(self):
        return f"{self.business} ({self.content_type})"

    @property
    def version(self) -> str:
        return self.digest[:16]


class User(AbstractBaseUser, PermissionsMixin):
    """A login. It reaches its businesses through memberships; AgendaZap staff have none."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(_("email"), max_length=255, unique=True)
    # The business the login worked in last: its tokens and dashboard open there.
    last_business = models.ForeignKey(
        Business, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("last business")
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_verified = models.BooleanField(_("email verified"), default=False)
    is_staff = models.BooleanField(_("staff"), default=False)
    # Counts the password's changes; every token carries the count it was issued at, so a change
    # ends every token issued before it on its next use (accounts.authentication).
    password_version = models.PositiveIntegerField(_("password version"), default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), default=now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["-created_at"]
        constraints = [
            # Email is case-insensitive: it is only ever stored lowercased.
            models.CheckConstraint(condition=models.Q(email=Lower("email")), name="user_email_lowercase"),
        ]

    def __str__(self):
        return self.email

    def set_unusable_password(self):
        super().set_unusable_password()
        self._password_disabled = True

    def save(self, *args, **kwargs):
        # A password set (profile, reset, admin, changepassword) or disabled is a change; the
        # rehash of check_password is not (Django clears `_password` before saving it).
        disabled = self.__dict__.pop("_password_disabled", False)
        update_fields = kwargs.get("update_fields")
        changed = (self._password is not None or disabled) and not self._state.adding
        if changed and (update_fields is None or "password" in update_fields):
            # Counted in the database: a copy of the login read before another change still counts one more.
            self.password_version = models.F("password_version") + 1
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "password_version"}
            super().save(*args, **kwargs)
            self.refresh_from_db(fields=["password_version"])
        else:
            super().save(*args, **kwargs)


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    RECEPTIONIST = "receptionist", _("Receptionist")
    PROFESSIONAL = "professional", _("Professional")


class Membership(models.Model):
    """A login's place in a business: its role, and for a professional the agenda it is."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("login"))
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("business")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    professional = models.ForeignKey(
        "scheduling.Professional",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("professional"),
    )
    created_at = models.DateTimeField(_("created at"), default=now, editable=False)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "business"], name="membership_once_per_business"),
            models.UniqueConstraint(
                fields=["business"], condition=models.Q(role="owner"), name="membership_one_owner_per_business"
            ),
        ]

    def __str__(self):
        return f"{self.user} @ {self.business} ({self.role})"


class LoginAttempt(models.Model):
    """A login attempt that failed (or is being checked), counted against its email and IP.

    Kept as rows, not cache counters: the database is shared by every web process and
    counting rows is exact under concurrency (DRF's cache throttles are not atomic). A
    successful login deletes its email's rows, so only consecutive failures count.
    """

    email = models.CharField(max_length=255, db_index=True)
    ip_address = models.GenericIPAddressField(db_index=True)
    created_at = models.DateTimeField(default=now, db_index=True)

    class Meta:
        verbose_name = _("login attempt")
        verbose_name_plural = _("login attempts")

    def __str__(self):
        return f"{self.email} from {self.ip_address} at {self.created_at:%Y-%m-%d %H:%M}"


class RevokedAccessToken(models.Model):
    """An access token ended by logout before its expiry (simplejwt only blacklists refresh tokens)."""

    jti = models.CharField(max_length=255, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="revoked_access_tokens")
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("revoked access token")
        verbose_name_plural = _("revoked access tokens")

    def __str__(self):
        return self.jti


class InvitationQuerySet(models.QuerySet):
    def open(self):
        """Neither accepted nor revoked (an expired one is still open: resending revives it)."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)


class Invitation(models.Model):
    """An email asked to join a business with a role. The link's token is kept only as its hash."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("business")
    )
    email = models.EmailField(_("email"), max_length=255)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    professional = models.ForeignKey(
        "scheduling.Professional",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("professional"),
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("created at"), default=now)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(email=Lower("email")), name="invitation_email_lowercase"),
            models.CheckConstraint(condition=~models.Q(role="owner"), name="invitation_not_for_owner"),
            # Inviting a pending email again refreshes its invitation: one open link per person.
            models.UniqueConstraint(
                fields=["business", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.business} ({self.role})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= now()
