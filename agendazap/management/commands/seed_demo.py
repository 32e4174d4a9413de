import random
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts import services
from accounts.models import Business, TemplateType, User
from agendazap import seeding
from agendazap.events import Actor, Via
from billing.services import plan_change
from catalog.services import service_create
from scheduling.models import AppointmentStatus
from scheduling.selectors import availability_get, business_timezone, visit_availability_get
from scheduling.services import appointment_book, series_book, visit_book, waitlist_join

DEMO_EMAIL = "demo@agendazap.local"
DEMO_PASSWORD = "agenda-demo-2026"  # noqa: S105 - a local demo login, printed on purpose
ADMIN_EMAIL = "admin@agendazap.local"
ADMIN_PASSWORD = "admin-demo-2026"  # noqa: S105 - a local demo login, printed on purpose


class Command(BaseCommand):
    help = (
        "Create (once) a demo business and a staff login for trying AgendaZap locally; with --businesses "
        "and --appointments, a large data set written in bulk instead (businesses negocio-0001...)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Allow running with ENVIRONMENT=production.")
        parser.add_argument("--businesses", type=int, help="How many businesses to seed (the first is the busy one).")
        parser.add_argument("--appointments", type=int, help="How many appointments in all.")
        parser.add_argument("--years", type=int, default=3, help="Years of history before today (default 3).")
        parser.add_argument(
            "--password",
            default=seeding.DEFAULT_PASSWORD,
            help="The owners' password (dono0001@%s...)." % seeding.SEED_EMAIL_DOMAIN,
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same data set for the same seed.")
        parser.add_argument("--reset", action="store_true", help="Delete the seeded businesses first.")

    def handle(self, *args, **options):
        if settings.IS_PRODUCTION and not options["force"]:
            raise CommandError("Refusing to create demo logins in production (use --force if you mean it).")
        bulk = options["businesses"] is not None or options["appointments"] is not None
        if not bulk:
            if options["reset"]:
                raise CommandError("--reset goes with --businesses and --appointments.")
            self._demo()
            return
        if options["businesses"] is None or options["appointments"] is None:
            raise CommandError("Give both --businesses and --appointments.")
        try:
            report = seeding.seed_businesses(
                businesses=options["businesses"],
                appointments=options["appointments"],
                years=options["years"],
                password=options["password"],
                seed=options["seed"],
                reset=options["reset"],
            )
        except seeding.SeedError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"seeded {report.businesses} businesses, {report.appointments} appointments in {report.seconds:.1f} s"
        )

    @transaction.atomic
    def _demo(self) -> None:
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
            owner.last_business.description = "Cortes clássicos e modernos, barba na navalha. Com hora marcada."
            owner.last_business.save(update_fields=["address", "description", "updated_at"])
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
        barba = service_create(business=business, data={"name": "Barba", "duration": 30, "price": "35.00"})
        combo = service_create(business=business, data={"name": "Corte + barba", "duration": 75, "price": "80.00"})
        # The history below would fill the free plan's month on its own.
        plan_change(business=business, plan_type="pro")
        self._demo_history(business, [corte, barba, combo])
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
        self._demo_visit_series_waitlist(business, corte, barba)

    def _demo_visit_series_waitlist(self, business: Business, corte, barba) -> None:
        """A visit of two services, a client who comes every two weeks, and two clients waiting for
        a time to free up tomorrow: what the visit, series and waitlist pages show."""
        actor = Actor.business(business.owner_login, via=Via.DASHBOARD)
        day = timezone.localdate() + timedelta(days=2)
        while not (starts := visit_availability_get(business=business, services=[corte, barba], day=day).slots):
            day += timedelta(days=1)
        visit_book(
            business=business,
            actor=actor,
            service_ids=[corte.pk, barba.pk],
            start_time=starts[-1],
            client_name="Marcos Souza",
            client_whatsapp="(11) 98888-1004",
            status="confirmed",
        )
        day += timedelta(days=1)
        while not (starts := availability_get(business=business, service=corte, day=day).slots):
            day += timedelta(days=1)
        series_book(
            business=business,
            actor=actor,
            service_id=corte.pk,
            start_time=starts[0],
            every_weeks=2,
            count=4,
            client_name="André Gomes",
            client_whatsapp="(11) 98888-1005",
            status="confirmed",
        )
        for name, phone in (("Thiago Melo", "(11) 98888-1006"), ("Vitor Nunes", "(11) 98888-1007")):
            waitlist_join(
                business=business,
                ip_address="127.0.0.1",
                service_id=corte.pk,
                day=timezone.localdate() + timedelta(days=1),
                client_name=name,
                client_whatsapp=phone,
                consent_whatsapp=True,
            )

    def _demo_history(self, business: Business, services: list) -> None:
        """Three weeks of past visits, so the reports, the home page and the clients' figures show something."""
        rng = random.Random(2026)  # noqa: S311 - the same demo on every machine, nothing secret
        tz = business_timezone(business)
        actor = Actor.business(business.owner_login, via=Via.DASHBOARD)
        regulars = [
            ("Rafael Costa", "(11) 98888-1101"),
            ("Bruno Almeida", "(11) 98888-1102"),
            ("Carlos Pereira", "(11) 98888-1103"),
            ("Diego Rocha", "(11) 98888-1104"),
            ("Felipe Martins", "(11) 98888-1105"),
            ("Gustavo Ribeiro", "(11) 98888-1106"),
        ]
        weekday_starts = (time(9), time(10, 30), time(13), time(15), time(16, 30))
        saturday_starts = (time(9), time(10, 30))  # the demo closes at 13:00 on Saturdays
        today = timezone.localdate(timezone=tz)
        for days_ago in range(21, 0, -1):
            day = today - timedelta(days=days_ago)
            starts = weekday_starts if day.weekday() < 5 else saturday_starts if day.weekday() == 5 else ()
            for start in sorted(rng.sample(starts, k=min(len(starts), rng.randint(2, 4)))):
                name, phone = rng.choice(regulars)
                appointment_book(
                    business=business,
                    actor=actor,
                    service_id=rng.choice(services).pk,
                    start_time=datetime.combine(day, start, tzinfo=tz),
                    client_name=name,
                    client_whatsapp=phone,
                    status=AppointmentStatus.NO_SHOW if rng.random() < 0.1 else AppointmentStatus.COMPLETED,
                )
