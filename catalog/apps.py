from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Catalog")

    def ready(self):
        # Imported here: the counter uses models, loaded only once the registry is ready.
        from billing.models import Resource
        from billing.selectors import usage_counter_register
        from catalog import selectors

        usage_counter_register(Resource.SERVICES, selectors.service_active_count)
