import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    WHATSAPP = "whatsapp", _("WhatsApp")
    EMAIL = "email", _("Email")


class Kind(models.TextChoices):
    CONFIRMATION = "confirmation", _("Booking confirmation")
    REMINDER = "reminder", _("Reminder")
    CANCELLATION = "cancellation", _("Cancellation")
    FOLLOW_UP = "follow_up", _("Follow-up")
    OWNER_NEW_BOOKING = "owner_new_booking", _("New booking (to the owner)")
    OWNER_CANCELLATION = "owner_cancellation", _("Cancellation (to the owner)")
    OWNER_RESCHEDULE = "owner_reschedule", _("Rescheduled by the client (to the owner)")
    WAITLIST_OFFER = "waitlist_offer", _("Waitlist: a freed time offered")
    WAITLIST_TAKEN = "waitlist_taken", _("Waitlist: the offered time was taken")
    REPLY = "reply", _("Answer to a client's reply")
    TEST = "test", _("Test message")
    ACCOUNT = "account", _("Account email (verification, password, plan)")


class Queue(models.TextChoices):
    """The message queues; each is a Celery queue workers consume (docs/operations.md)."""

    CONFIRMATIONS = "appointment_confirmations", "appointment_confirmations"
    REMINDERS = "appointment_reminders", "appointment_reminders"
    CANCELLATIONS = "appointment_cancellations", "appointment_cancellations"
    FOLLOW_UPS = "appointment_follow_ups", "appointment_follow_ups"
    WHATSAPP = "whatsapp_messages", "whatsapp_messages"
    EMAIL = "email_notifications", "email_notifications"


class Status(models.TextChoices):
    PENDING = "pending", _("Pending")
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Message(models.Model):
    """One notification, written in the same transaction as the change that causes it.

    It waits here until due (`scheduled_at`), is handed to a Celery task (`queued`), and is
    sent at most once per claim: a worker claims it until `claimed_until` before sending.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    business = models.ForeignKey(
        "accounts.Business", on_delete=models.CASCADE, related_name="messages", verbose_name=_("business")
    )
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("appointment"),
    )
    client = models.ForeignKey(
        "crm.Client",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("client"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    queue = models.CharField(_("queue"), max_length=40, choices=Queue.choices)
    recipient = models.CharField(_("recipient"), max_length=255, help_text=_("E.164 number or email address"))
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("rendered text"))
    # For WhatsApp template sends (outside the 24-hour window): the approved template's name,
    # language and body parameters, and quick-reply button payloads.
    template_name = models.CharField(_("WhatsApp template"), max_length=100, blank=True)
    template_language = models.CharField(_("template language"), max_length=10, blank=True)
    template_params = models.JSONField(_("template parameters"), default=list, blank=True)
    buttons = models.JSONField(_("quick-reply buttons"), default=list, blank=True)
    scheduled_at = models.DateTimeField(_("due at"), db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=255, blank=True, db_index=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "scheduled_at"], name="message_due_idx"),
            models.Index(fields=["business", "created_at"], name="message_owner_created_idx"),
            models.Index(fields=["business", "queue", "status"], name="message_owner_queue_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient} ({self.status})"


class MessageTemplate(models.Model):
    """A business's own text for one kind of message on one channel (else the pt-BR default)."""

    business = models.ForeignKey(
        "accounts.Business",
        on_delete=models.CASCADE,
        related_name="message_templates",
        verbose_name=_("business"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(fields=["business", "kind", "channel"], name="message_template_unique"),
        ]

    def __str__(self):
        return f"{self.business}: {self.get_kind_display()} ({self.channel})"


class NotificationSettings(models.Model):
    business = models.OneToOneField(
        "accounts.Business",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_settings",
        verbose_name=_("business"),
    )
    # Minutes before the start; the default is 24 h and 2 h.
    reminder_offsets_minutes = models.JSONField(_("reminders (minutes before)"), default=list)
    follow_up_delay_minutes = models.PositiveIntegerField(_("follow-up after completion (minutes)"), default=24 * 60)
    follow_up_enabled = models.BooleanField(_("send follow-ups"), default=True)
    notify_owner = models.BooleanField(_("tell me of bookings and cancellations made by clients"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self):
        return str(self.business)


class InboundMessage(models.Model):
    """A message a client sent us on WhatsApp, kept once per provider id (webhooks repeat)."""

    wamid = models.CharField(_("provider message id"), max_length=255, unique=True)
    from_number = models.CharField(_("from"), max_length=20, db_index=True)
    text = models.TextField(_("text"), blank=True)
    payload = models.CharField(_("button payload"), max_length=255, blank=True)
    context_message_id = models.CharField(_("in reply to"), max_length=255, blank=True)
    appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("understood as"), max_length=20, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("inbound WhatsApp message")
        verbose_name_plural = _("inbound WhatsApp messages")
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.from_number}: {self.text or self.payload}"
