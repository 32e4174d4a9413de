from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts import services
from accounts.models import Business, TemplateType, User
from agendazap.events import Actor, Via
from catalog.services import service_create
from scheduling.selectors import availability_get
from scheduling.services import appointment_book

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
            owner.save(update_fields=["is_verified", "updated_at"])
            owner.last_business.address = "Rua Augusta, 1000 - São Paulo, SP"
            owner.last_business.save(update_fields=["address", "updated_at"])
        business = owner.last_business
        if not User.objects.filter(email=ADMIN_EMAIL).exists():
            User.objects.create_superuser(ADMIN_EMAIL, ADMIN_PASSWORD)
        if not business.services.exists():
            self._demo_agenda(business)

        base = settings.PUBLIC_BASE_URL
        self.stdout.write(
            self.style.SUCCESS("Demo ready.")
            + f"\n  Dashboard: {base}/accounts/login/  email {DEMO_EMAIL}  password {DEMO_PASSWORD}"
            + f"\n  Admin:     {base}/admin/  email {ADMIN_EMAIL}  password {ADMIN_PASSWORD}"
            + f"\n  Booking:   {base}/b/{business.slug}/"
            + f"\n  API docs:  {base}/api/docs/"
        )

    def _demo_agenda(self, business: Business) -> None:
        """A few services and the next days' bookings, made the way the app makes them."""
        corte = service_create(business=business, data={"name": "Corte masculino", "duration": 45, "price": "50.00"})
        service_create(business=business, data={"name": "Barba", "duration": 30, "price": "35.00"})
        service_create(business=business, data={"name": "Corte + barba", "duration": 75, "price": "80.00"})
        clients = [
            ("João Silva", "(11) 98888-1001"),
            ("Pedro Santos", "(11) 98888-1002"),
            ("Lucas Lima", "(11) 98888-1003"),
        ]
        day = timezone.localdate() + timedelta(days=1)
        booked = 0
        while booked < len(clients):
            slots = availability_get(business=business, service=corte, day=day).slots
            for (name, phone), start in zip(clients[booked:], slots[1::3], strict=False):
                appointment_book(
                    business=business,
                    actor=Actor.business(business.owner_login, via=Via.DASHBOARD),
                    service_id=corte.pk,
                    start_time=start,
                    client_name=name,
                    client_whatsapp=phone,
                    status="confirmed",
                )
                booked += 1
            day += timedelta(days=1)
