from celery import shared_task

from crm import services


@shared_task(name="crm.refresh_month_figures_task")
def refresh_month_figures_task() -> int:
    """Refresh "this month / last month" of clients whose business's month has turned."""
    return services.client_month_rollover()
