from celery import shared_task

from accounts import services


@shared_task(name="accounts.purge_expired_auth_records_task")
def purge_expired_auth_records_task() -> dict[str, int]:
    return services.auth_records_purge()
