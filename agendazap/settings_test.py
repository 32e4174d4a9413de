"""Test settings: the real settings, made fast and hermetic."""

from agendazap.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PUBLIC_BASE_URL = "http://testserver"
WHATSAPP_BACKEND = "notifications.backends.whatsapp.InMemoryBackend"
# Tasks run inline unless a test starts a real worker (those switch the Celery app to the broker).
CELERY_TASK_ALWAYS_EAGER = True
# The cache above is per process, so by the settings' own rule sessions live in the database
# (whatever REDIS_URL says): query counts are then the same with and without Redis.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
