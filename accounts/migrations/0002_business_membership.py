"""Business becomes the tenant: each business owner's login gives its business fields to a
Business row (with the login's id, so every row that pointed at the login now points at the
business with the same key) and an owner membership."""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

BUSINESS_FIELDS = ("template_type", "whatsapp_number", "address", "timezone", "plan_type")


def businesses_from_logins(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Business = apps.get_model("accounts", "Business")
    Membership = apps.get_model("accounts", "Membership")
    Professional = apps.get_model("scheduling", "Professional")
    for user in User.objects.filter(models.Q(business_slug__isnull=False) | models.Q(is_staff=False)):
        business = Business.objects.create(
            id=user.id,
            name=user.business_name,
            slug=user.business_slug or f"negocio-{user.id.hex[:12]}",
            created_at=user.created_at,
            **{field: getattr(user, field) for field in BUSINESS_FIELDS},
        )
        Membership.objects.create(
            user=user,
            business=business,
            role="owner",
            professional=Professional.objects.filter(owner_id=user.id, is_owner=True).first(),
            created_at=user.created_at,
        )
        User.objects.filter(pk=user.pk).update(last_business=business)


def logins_from_businesses(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Membership = apps.get_model("accounts", "Membership")
    for membership in Membership.objects.filter(role="owner").select_related("business"):
        business = membership.business
        User.objects.filter(pk=membership.user_id).update(
            business_name=business.name,
            business_slug=business.slug,
            **{field: getattr(business, field) for field in BUSINESS_FIELDS},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("scheduling", "0003_appointment_client_confirmed_at_appointmentactivity"),
    ]

    operations = [
        migrations.CreateModel(
            name="Business",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("name", models.CharField(blank=True, max_length=255, verbose_name="business name")),
                (
                    "slug",
                    models.SlugField(
                        help_text="Address of the public booking page: /b/<slug>/",
                        max_length=60,
                        unique=True,
                        verbose_name="business slug",
                    ),
                ),
                (
                    "template_type",
                    models.CharField(
                        choices=[("consultation", "Consultation"), ("service_table", "Service table")],
                        default="service_table",
                        max_length=20,
                        verbose_name="template type",
                    ),
                ),
                (
                    "whatsapp_number",
                    models.CharField(blank=True, help_text="E.164", max_length=20, verbose_name="WhatsApp number"),
                ),
                ("address", models.TextField(blank=True, verbose_name="address")),
                ("timezone", models.CharField(default="America/Sao_Paulo", max_length=64, verbose_name="time zone")),
                (
                    "plan_type",
                    models.CharField(
                        choices=[
                            ("free", "Free"),
                            ("starter", "Starter"),
                            ("pro", "Pro"),
                            ("enterprise", "Enterprise"),
                        ],
                        default="free",
                        max_length=20,
                        verbose_name="plan",
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name="created at"),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
            ],
            options={"verbose_name": "business", "verbose_name_plural": "businesses", "ordering": ["name"]},
        ),
        migrations.CreateModel(
            name="Membership",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("owner", "Owner"),
                            ("manager", "Manager"),
                            ("receptionist", "Receptionist"),
                            ("professional", "Professional"),
                        ],
                        max_length=20,
                        verbose_name="role",
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name="created at"),
                ),
                (
                    "business",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to="accounts.business",
                        verbose_name="business",
                    ),
                ),
                (
                    "professional",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="scheduling.professional",
                        verbose_name="professional",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to="accounts.user",
                        verbose_name="login",
                    ),
                ),
            ],
            options={
                "verbose_name": "membership",
                "verbose_name_plural": "memberships",
                "constraints": [
                    models.UniqueConstraint(fields=("user", "business"), name="membership_once_per_business"),
                    models.UniqueConstraint(
                        condition=models.Q(("role", "owner")),
                        fields=("business",),
                        name="membership_one_owner_per_business",
                    ),
                ],
            },
        ),
        migrations.AddField(
            model_name="user",
            name="last_business",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="accounts.business",
                verbose_name="last business",
            ),
        ),
        migrations.RunPython(businesses_from_logins, logins_from_businesses),
        migrations.RemoveField(model_name="user", name="address"),
        migrations.RemoveField(model_name="user", name="business_name"),
        migrations.RemoveField(model_name="user", name="business_slug"),
        migrations.RemoveField(model_name="user", name="plan_type"),
        migrations.RemoveField(model_name="user", name="template_type"),
        migrations.RemoveField(model_name="user", name="timezone"),
        migrations.RemoveField(model_name="user", name="whatsapp_number"),
    ]
