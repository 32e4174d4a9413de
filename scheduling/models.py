import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from agendazap.events import AppointmentStatus

__all__ = ["AppointmentStatus"]  # re-exported: the appointments' status choices


def new_manage_token() -> str:
    return secrets.token_urlsafe(32)


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Professional(models.Model):
    """Someone who performs services. A record, not a login; the owner is the first one."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    business = models.ForeignKey(
        "accounts.Business", on_delete=models.CASCADE, related_name="professionals", verbose_name=_("business")
    )
    name = models.CharField(_("name"), max_length=255)
    is_owner = models.BooleanField(_("is the owner"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    # The services this professional performs. A service nobody is assigned to is performed by all.
    services = models.ManyToManyField("catalog.Service", related_name="professionals", blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("professional")
        verbose_name_plural = _("professionals")
        ordering = ["-is_owner", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["business"], condition=models.Q(is_owner=True), name="professional_one_owner_per_business"
            ),
        ]

    def __str__(self):
        return self.name


class WorkingHours(models.Model):
    """One interval of a professional's week; several per day make breaks."""

    professional = models.ForeignKey(
        Professional, on_delete=models.CASCADE, related_name="working_hours", verbose_name=_("professional")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["professional", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_time__lt=models.F("end_time")), name="hours_start_before_end"
            ),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="hours_weekday_range"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class TimeOff(models.Model):
    """A closed period: a holiday, a vacation, a half day. Without a professional, the whole business closes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    business = models.ForeignKey(
        "accounts.Business", on_delete=models.CASCADE, related_name="time_off", verbose_name=_("business")
    )
    professional = models.ForeignKey(
        Professional,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="time_off",
        verbose_name=_("professional"),
    )
    start_time = models.DateTimeField(_("from"))
    end_time = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("time off")
        verbose_name_plural = _("time off")
        ordering = ["start_time"]
        indexes = [
            models.Index(fields=["business", "start_time"], name="timeoff_owner_start_idx"),
            # Availability reads the time off that ends after a range starts (the past stays unread).
            models.Index(fields=["business", "end_time"], name="timeoff_owner_end_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_time__lt=models.F("end_time")), name="timeoff_start_before_end"
            ),
        ]

    def __str__(self):
        return self.reason or f"{self.start_time:%Y-%m-%d %H:%M}"


class OnlineBookingStatus(models.TextChoices):
    PENDING = "pending", _("Pending (I confirm each booking)")
    CONFIRMED = "confirmed", _("Confirmed at once")


class BookingRules(models.Model):
    business = models.OneToOneField(
        "accounts.Business",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="booking_rules",
        verbose_name=_("business"),
    )
    slot_interval_minutes = models.PositiveIntegerField(
        _("slot interval (minutes)"), null=True, blank=True, help_text=_("Empty: the service's duration.")
    )
    buffer_minutes = models.PositiveIntegerField(_("buffer after each appointment (minutes)"), default=0)
    min_notice_minutes = models.PositiveIntegerField(_("minimum notice (minutes)"), default=60)
    max_days_ahead = models.PositiveIntegerField(_("bookable up to (days ahead)"), default=90)
    cancellation_notice_hours = models.PositiveIntegerField(
        _("clients may cancel or reschedule online up to (hours before)"), default=24
    )
    online_booking_status = models.CharField(
        _("online bookings start as"),
        max_length=20,
        choices=OnlineBookingStatus.choices,
        default=OnlineBookingStatus.CONFIRMED,
    )
    waitlist_offers_at_once = models.PositiveSmallIntegerField(
        _("waitlist: clients offered a freed time at once"), default=3
    )
    waitlist_offer_minutes = models.PositiveIntegerField(_("waitlist: minutes to claim an offered time"), default=30)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("booking rules")
        verbose_name_plural = _("booking rules")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(slot_interval_minutes__isnull=True) | models.Q(slot_interval_minutes__gte=5),
                name="rules_slot_interval_min",
            ),
        ]

    def __str__(self):
        return str(self.business)


class AppointmentSource(models.TextChoices):
    API = "api", _("API")
    DASHBOARD = "dashboard", _("Dashboard")
    PUBLIC = "public", _("Public booking page")
    WHATSAPP = "whatsapp", _("WhatsApp")


# The statuses in which the client's visit is confirmed (`Appointment.is_confirmed`).
CONFIRMED_STATUSES = frozenset({AppointmentStatus.CONFIRMED, AppointmentStatus.COMPLETED})


class Appointment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    business = models.ForeignKey(
        "accounts.Business", on_delete=models.CASCADE, related_name="appointments", verbose_name=_("business")
    )
    service = models.ForeignKey(
        "catalog.Service", on_delete=models.PROTECT, related_name="appointments", verbose_name=_("service")
    )
    professional = models.ForeignKey(
        Professional, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("professional")
    )
    # Every appointment belongs to a client (found or created by booking); PROTECT because a
    # client with history is deactivated or anonymized, never deleted.
    client = models.ForeignKey(
        "crm.Client",
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("client"),
        db_index=False,  # appointment_client_start_idx starts with it
    )
    # The recurring series this appointment is an occurrence of (otherwise a one-off).
    series = models.ForeignKey(
        "scheduling.Series",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointments",
        verbose_name=_("series"),
    )
    # Set when this appointment is one part of a visit of several services (`Visit`).
    visit = models.ForeignKey(
        "scheduling.Visit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
        verbose_name=_("visit"),
    )
    client_name = models.CharField(_("client name"), max_length=255)
    client_whatsapp = models.CharField(_("client WhatsApp"), max_length=20, help_text=_("E.164"))
    client_email = models.EmailField(_("client email"), max_length=255, blank=True)
    start_time = models.DateTimeField(_("start"))
    end_time = models.DateTimeField(_("end"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    buffer_minutes = models.PositiveIntegerField(_("buffer after (minutes)"), default=0)
    # end_time plus the buffer: the range the professional is busy, guarded against overlap.
    blocks_until = models.DateTimeField(_("busy until"))
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=AppointmentStatus.choices, default=AppointmentStatus.PENDING
    )
    notes = models.TextField(_("notes"), blank=True)
    internal_notes = models.TextField(_("internal notes"), blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=AppointmentSource.choices, default=AppointmentSource.API
    )
    custom_fields = models.JSONField(_("custom fields"), null=True, blank=True)
    # Whether the client agreed to WhatsApp messages (public bookings ask; the owner's own are yes).
    whatsapp_consent = models.BooleanField(_("WhatsApp messages allowed"), default=True)
    # The client's private link to see, cancel or reschedule this booking without an account.
    # Unique through a constraint in Meta rather than unique=True, which on PostgreSQL adds a
    # second (pattern-matching) index that no query uses and every insert pays for.
    manage_token = models.CharField(_("manage link token"), max_length=64, default=new_manage_token, editable=False)
    # When the client said they will come (WhatsApp reply, manage page): apart from `status`,
    # which is the business's word.
    client_confirmed_at = models.DateTimeField(_("client confirmed at"), null=True, blank=True)
    cancellation_reason = models.TextField(_("cancellation reason"), blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["start_time"]
        indexes = [
            models.Index(fields=["business", "start_time"], name="appointment_owner_start_idx"),
            models.Index(fields=["professional", "start_time"], name="appointment_prof_start_idx"),
            # Plan usage counts appointments by the month they were created in.
            models.Index(fields=["business", "created_at"], name="appointment_owner_created_idx"),
            # Availability reads what is busy in a range (blocks_until after its start, start before
            # its end): bounded by blocks_until, years of past appointments are never scanned.
            models.Index(
                fields=["professional", "blocks_until"],
                condition=~models.Q(status=AppointmentStatus.CANCELLED),
                name="appointment_prof_until_idx",
            ),
            # A client's history, newest first, and its last visit.
            models.Index(fields=["client", "start_time"], name="appointment_client_start_idx"),
        ]
        # The no-overlap guarantee on PostgreSQL is an exclusion constraint added by migration
        # 0002 (it cannot be created on SQLite); see scheduling.services.appointment_book.
        constraints = [
            models.UniqueConstraint(fields=["manage_token"], name="appointment_manage_token_unique"),
            models.CheckConstraint(
                condition=models.Q(start_time__lt=models.F("end_time")), name="appointment_start_before_end"
            ),
            models.CheckConstraint(
                condition=models.Q(blocks_until__gte=models.F("end_time")), name="appointment_blocks_after_end"
            ),
        ]

    def __str__(self):
        return f"{self.client_name} {self.start_time:%Y-%m-%d %H:%M}"

    @property
    def is_confirmed(self) -> bool:
        return self.status in CONFIRMED_STATUSES

    @property
    def is_cancelled(self) -> bool:
        return self.status == AppointmentStatus.CANCELLED

    @property
    def is_completed(self) -> bool:
        return self.status == AppointmentStatus.COMPLETED


class ActivityKind(models.TextChoices):
    BOOKED = "booked", _("Booked")
    MOVED = "moved", _("Moved")
    DETAILS_CHANGED = "details_changed", _("Details changed")
    CONFIRMED = "confirmed", _("Confirmed")
    COMPLETED = "completed", _("Completed")
    NO_SHOW = "no_show", _("Marked as no-show")
    CANCELLED = "cancelled", _("Cancelled")
    CLIENT_CONFIRMED = "client_confirmed", _("Confirmed by the client")
    UNDONE = "undone", _("Undone: back to confirmed")
    ERASED = "erased", _("Client data erased")


class AppointmentActivity(models.Model):
    """One line of an appointment's history: what happened, when, and who did it through what."""

    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="activity", verbose_name=_("appointment")
    )
    kind = models.CharField(_("what happened"), max_length=20, choices=ActivityKind.choices)
    # The actor as `agendazap.events.Actor` describes it: owner, member, client, staff or system,
    # and the way in (dashboard, api, admin, public page, manage link, whatsapp, system).
    actor_kind = models.CharField(_("who"), max_length=10)
    actor_via = models.CharField(_("through"), max_length=20)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("login"),
    )
    actor_name = models.CharField(_("name"), max_length=255, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("appointment activity")
        verbose_name_plural = _("appointment activity")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["appointment", "created_at"], name="activity_appointment_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.actor_kind})"


class Series(models.Model):
    """A recurring booking: the same service, professional and local time every `every_weeks` weeks.

    Each occurrence is an ordinary Appointment pointing here; the series keeps what was asked
    (`count` or `until`), so the business can read why it has the occurrences it has.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    business = models.ForeignKey(
        "accounts.Business", on_delete=models.CASCADE, related_name="series", verbose_name=_("business")
    )
    # Set by the first occurrence booked (the booking finds or creates the client).
    client = models.ForeignKey(
        "crm.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="series", verbose_name=_("client")
    )
    every_weeks = models.PositiveSmallIntegerField(_("every (weeks)"))
    count = models.PositiveSmallIntegerField(_("occurrences asked"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("recurring series")
        verbose_name_plural = _("recurring series")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["business", "created_at"], name="series_owner_created_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(every_weeks__gte=1), name="series_every_weeks_min"),
            # Exactly one of count and until says when the series ends.
            models.CheckConstraint(
                condition=models.Q(count__isnull=False, until__isnull=True)
                | models.Q(count__isnull=True, until__isnull=False),
                name="series_count_or_until",
            ),
        ]

    def __str__(self):
        return f"{self.client} / {self.every_weeks}w"


class Visit(models.Model):
    """Several services one client takes in one go, back to back: each part is an ordinary
    Appointment (its own service, professional, time and price) pointing here."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    business = models.ForeignKey(
        "accounts.Business", on_delete=models.CASCADE, related_name="visits", verbose_name=_("business")
    )
    client = models.ForeignKey("crm.Client", on_delete=models.PROTECT, related_name="visits", verbose_name=_("client"))
    # Set when the visit was cancelled as a whole (one message for all its parts).
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.client} {self.created_at:%Y-%m-%d}"


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    OFFERED = "offered", _("Offered a time")
    BOOKED = "booked", _("Booked")
    REMOVED = "removed", _("Removed")
    EXPIRED = "expired", _("Expired")


# A client on the list for a day: waiting, or holding an open offer.
WAITLIST_ACTIVE = (WaitlistStatus.WAITING, WaitlistStatus.OFFERED)


class WaitlistEntry(models.Model):
    """A client who wants a service on a day that had no time that suited them; first come, first served."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    business = models.ForeignKey(
        "accounts.Business", on_delete=models.CASCADE, related_name="waitlist", verbose_name=_("business")
    )
    service = models.ForeignKey(
        "catalog.Service", on_delete=models.CASCADE, related_name="waitlist", verbose_name=_("service")
    )
    professional = models.ForeignKey(
        Professional,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="waitlist",
        verbose_name=_("professional"),
    )
    date = models.DateField(_("date"))
    # The local times the client can come, when they said (a start within [from, until)).
    window_from = models.TimeField(_("from"), null=True, blank=True)
    window_until = models.TimeField(_("until"), null=True, blank=True)
    client = models.ForeignKey(
        "crm.Client", on_delete=models.CASCADE, related_name="waitlist", verbose_name=_("client")
    )
    client_name = models.CharField(_("client name"), max_length=255)
    client_whatsapp = models.CharField(_("client WhatsApp"), max_length=20, help_text=_("E.164"))
    consent_whatsapp = models.BooleanField(_("WhatsApp messages allowed"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    created_at = models.DateTimeField(_("joined at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist")
        ordering = ["date", "created_at"]
        indexes = [models.Index(fields=["business", "date", "status"], name="waitlist_owner_day_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(window_from__isnull=True)
                | models.Q(window_until__isnull=True)
                | models.Q(window_from__lt=models.F("window_until")),
                name="waitlist_window_order",
            ),
        ]

    def __str__(self):
        return f"{self.client_name} {self.date:%Y-%m-%d}"


class WaitlistOfferStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLAIMED = "claimed", _("Claimed")
    TAKEN_BY_OTHER = "taken_by_other", _("Taken by someone else")
    EXPIRED = "expired", _("Expired")


class WaitlistOffer(models.Model):
    """A freed time offered to a waiting client, claimable through a private link until it expires."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers", verbose_name=_("entry"))
    start_time = models.DateTimeField(_("start"))
    professional = models.ForeignKey(
        Professional, on_delete=models.CASCADE, related_name="+", verbose_name=_("professional")
    )
    token = models.CharField(_("claim link token"), max_length=64, default=new_manage_token, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    status = models.CharField(
        _("status"), max_length=20, choices=WaitlistOfferStatus.choices, default=WaitlistOfferStatus.OPEN
    )
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("appointment"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("waitlist offer")
        verbose_name_plural = _("waitlist offers")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["status", "expires_at"], name="waitlist_offer_due_idx")]
        constraints = [models.UniqueConstraint(fields=["token"], name="waitlist_offer_token_unique")]

    def __str__(self):
        return f"{self.entry} {self.start_time:%Y-%m-%d %H:%M}"
