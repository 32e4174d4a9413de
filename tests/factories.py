from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import Business, Membership, Role, TemplateType, User
from catalog.models import Service, ServiceCategory
from crm.models import Client
from scheduling.models import Appointment, AppointmentStatus, Professional
from scheduling.services import business_setup

DEFAULT_PASSWORD = "salao-2026-forte"


class UserFactory(factory.django.DjangoModelFactory):
    """A login of no business (AgendaZap staff, or someone about to be invited)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"login{n}@exemplo.com.br")
    is_verified = True

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or DEFAULT_PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class BusinessFactory(factory.django.DjangoModelFactory):
    """A business with its owner's login, set up as registration does: owner-professional,
    default hours and rules. `email` and `password` are the owner's login."""

    class Meta:
        model = Business

    name = factory.Sequence(lambda n: f"Salão {n}")
    slug = factory.Sequence(lambda n: f"salao-{n}")
    template_type = TemplateType.SERVICE_TABLE
    whatsapp_number = factory.Sequence(lambda n: f"+551198888{n:04d}")

    @classmethod
    def _create(cls, model_class, *args, email=None, password=None, **kwargs):
        business = super()._create(model_class, *args, **kwargs)
        owner = User.objects.create_user(
            email or f"dono-{business.slug}@exemplo.com.br",
            password or DEFAULT_PASSWORD,
            is_verified=True,
            last_business=business,
        )
        membership = Membership.objects.create(user=owner, business=business, role=Role.OWNER)
        membership.professional = business_setup(business=business)
        membership.save(update_fields=["professional"])
        return business


class ServiceCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceCategory

    business = factory.SubFactory(BusinessFactory)
    name = factory.Sequence(lambda n: f"Categoria {n}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    business = factory.SubFactory(BusinessFactory)
    name = factory.Sequence(lambda n: f"Serviço {n}")
    duration = 60
    price = Decimal("50.00")


class ProfessionalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Professional

    business = factory.SubFactory(BusinessFactory)
    name = factory.Sequence(lambda n: f"Profissional {n}")


class AppointmentFactory(factory.django.DjangoModelFactory):
    """A row written directly, bypassing booking rules: for history and list fixtures."""

    class Meta:
        model = Appointment

    business = factory.LazyAttribute(lambda o: o.service.business)
    service = factory.SubFactory(ServiceFactory)
    professional = factory.LazyAttribute(lambda o: o.service.business.professionals.get(is_owner=True))
    client_name = factory.Sequence(lambda n: f"Cliente {n}")
    client_whatsapp = factory.Sequence(lambda n: f"+551197777{n:04d}")
    # The business's client with this number, as booking would find or create it.
    client = factory.LazyAttribute(
        lambda o: Client.objects.get_or_create(
            business=o.business, whatsapp=o.client_whatsapp, defaults={"name": o.client_name}
        )[0]
    )
    start_time = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0) + timedelta(days=1))
    duration_minutes = factory.LazyAttribute(lambda o: o.service.duration)
    end_time = factory.LazyAttribute(lambda o: o.start_time + timedelta(minutes=o.duration_minutes))
    blocks_until = factory.LazyAttribute(lambda o: o.end_time)
    price = factory.LazyAttribute(lambda o: o.service.price)
    status = AppointmentStatus.CONFIRMED
