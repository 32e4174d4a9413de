"""Month names as Brazilian Portuguese writes them: in lowercase ("5 de dezembro de 2026").

Django's own pt-BR catalogue capitalizes them ("Dezembro"), and a formats module cannot change a
name, only the pattern around it. Listing Django's message ids here puts them in the project's
catalogue, which takes precedence over Django's (LOCALE_PATHS), so every `F`/`E` date format in
the dashboard, the public pages and the messages comes out in lowercase. Capitalize where a name
starts a sentence (`capfirst`).
"""

from django.utils.translation import gettext_lazy, pgettext_lazy

MONTHS = (
    gettext_lazy("January"),
    gettext_lazy("February"),
    gettext_lazy("March"),
    gettext_lazy("April"),
    gettext_lazy("May"),
    gettext_lazy("June"),
    gettext_lazy("July"),
    gettext_lazy("August"),
    gettext_lazy("September"),
    gettext_lazy("October"),
    gettext_lazy("November"),
    gettext_lazy("December"),
)

# Django's "alt. month" names, used by the `E` format.
MONTHS_ALT = (
    pgettext_lazy("alt. month", "January"),
    pgettext_lazy("alt. month", "February"),
    pgettext_lazy("alt. month", "March"),
    pgettext_lazy("alt. month", "April"),
    pgettext_lazy("alt. month", "May"),
    pgettext_lazy("alt. month", "June"),
    pgettext_lazy("alt. month", "July"),
    pgettext_lazy("alt. month", "August"),
    pgettext_lazy("alt. month", "September"),
    pgettext_lazy("alt. month", "October"),
    pgettext_lazy("alt. month", "November"),
    pgettext_lazy("alt. month", "December"),
)
