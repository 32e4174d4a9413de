from django.db import migrations

# services, professionals, appointments / month, WhatsApp messages / month, clients; None = unlimited.
DEFAULT_LIMITS = {
    "free": (5, 1, 50, 100, 100),
    "starter": (20, 3, 500, 1000, 1000),
    "pro": (100, 10, 5000, 10000, None),
    "enterprise": (None, None, None, None, None),
}


def create_defaults(apps, schema_editor):
    PlanLimits = apps.get_model("billing", "PlanLimits")
    for plan_type, (services, professionals, appointments, messages, clients) in DEFAULT_LIMITS.items():
        PlanLimits.objects.get_or_create(
            plan_type=plan_type,
            defaults={
                "services": services,
                "professionals": professionals,
                "appointments": appointments,
                "whatsapp_messages": messages,
                "clients": clients,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
