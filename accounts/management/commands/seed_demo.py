from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import services
from accounts.models import TemplateType, User

DEMO_EMAIL = "demo@agendazap.local"
DEMO_PASSWORD = "agenda-demo-2026"  # noqa: S105 - a local demo login, printed on purpose
ADMIN_EMAIL = "admin@agendazap.local"
ADMIN_PASSWORD = "admin-demo-2026"  # noqa: S105 - a local demo login, printed on purpose


class Command(BaseCommand):
    help = "Create (once) a demo business and a staff login for trying AgendaZap locally."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Allow running with ENVIRONMENT=production.")

    @transaction.atomic
    def handle(self, *args, **options):
        if settings.IS_PRODUCTION and not options["force"]:
            raise CommandError("Refusing to create demo logins in production (use --force if you mean it).")
        owner = User.objects.filter(email=DEMO_EMAIL).first()
        if owner is None:
            owner = services.user_register(
                email=DEMO_EMAIL,
                password=DEMO_PASSWORD,
                template_type=TemplateType.SERVICE_TABLE,
                business_name="Barbearia Demo",
                whatsapp_number="(11) 98888-0000",
            )
            owner.is_verified = True
            owner.address = "Rua Augusta, 1000 - São Paulo, SP"
            owner.save(update_fields=["is_verified", "address", "updated_at"])
        if not User.objects.filter(email=ADMIN_EMAIL).exists():
            User.objects.create_superuser(ADMIN_EMAIL, ADMIN_PASSWORD)

        base = settings.PUBLIC_BASE_URL
        self.stdout.write(
            self.style.SUCCESS("Demo ready.")
            + f"\n  Dashboard: {base}/accounts/login/  email {DEMO_EMAIL}  password {DEMO_PASSWORD}"
            + f"\n  Admin:     {base}/admin/  email {ADMIN_EMAIL}  password {ADMIN_PASSWORD}"
            + f"\n  API docs:  {base}/api/docs/"
        )
