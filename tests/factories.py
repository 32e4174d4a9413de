from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import TemplateType, User
from catalog.models import Service, ServiceCategory
from crm.models import Client
from scheduling.models import Appointment, AppointmentStatus, Professional
from scheduling.services import business_setup

DEFAULT_PASSWORD = "salao-2026-forte"


class UserFactory(factory.django.DjangoModelFactory):
    """A business owner set up as registration does: owner-professional, default hours and rules."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"dono{n}@exemplo.com.br")
    business_name = factory.Sequence(lambda n: f"Salão {n}")
    business_slug = factory.Sequence(lambda n: f"salao-{n}")
    template_type = TemplateType.SERVICE_TABLE
    whatsapp_number = factory.Sequence(lambda n: f"+551198888{n:04d}")
    is_verified = True

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or DEFAULT_PASSWORD)
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def business(obj, create, extracted, **kwargs):
        # Registration's own setup, so factories and real sign-ups start alike.
        if create:
            business_setup(owner=obj)


class ServiceCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceCategory

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Categoria {n}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Serviço {n}")
    duration = 60
    price = Decimal("50.00")


class ProfessionalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Professional

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Profissional {n}")


class AppointmentFactory(factory.django.DjangoModelFactory):
    """A row written directly, bypassing booking rules: for history and list fixtures."""

    class Meta:
        model = Appointment

    owner = factory.LazyAttribute(lambda o: o.service.owner)
    service = factory.SubFactory(ServiceFactory)
    professional = factory.LazyAttribute(lambda o: o.service.owner.professionals.get(is_owner=True))
    client_name = factory.Sequence(lambda n: f"Cliente {n}")
    client_whatsapp = factory.Sequence(lambda n: f"+551197777{n:04d}")
    # The business's client with this number, as booking would find or create it.
    client = factory.LazyAttribute(
        lambda o: Client.objects.get_or_create(
            owner=o.owner, whatsapp=o.client_whatsapp, defaults={"name": o.client_name}
        )[0]
    )
    start_time = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0) + timedelta(days=1))
    duration_minutes = factory.LazyAttribute(lambda o: o.service.duration)
    end_time = factory.LazyAttribute(lambda o: o.start_time + timedelta(minutes=o.duration_minutes))
    blocks_until = factory.LazyAttribute(lambda o: o.end_time)
    price = factory.LazyAttribute(lambda o: o.service.price)
    status = AppointmentStatus.CONFIRMED
