import factory

from accounts.models import TemplateType, User

DEFAULT_PASSWORD = "salao-2026-forte"


class UserFactory(factory.django.DjangoModelFactory):
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
