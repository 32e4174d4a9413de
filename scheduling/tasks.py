from celery import shared_task

from scheduling import services


@shared_task(name="scheduling.waitlist_expire_task")
def waitlist_expire_task() -> int:
    """Expire waitlist offers past their time and pass their times on; run by celery-beat every minute."""
    return services.waitlist_expire()
