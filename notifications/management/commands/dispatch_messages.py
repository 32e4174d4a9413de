import time

from django.core.management.base import BaseCommand

from notifications.services import messages_hand_over_all
from scheduling.services import waitlist_expire


class Command(BaseCommand):
    help = (
        "Hand due messages to the senders, once or every N seconds. Production runs this through "
        "celery-beat; the embedded default (no Redis) runs it beside the web server, sending inline. "
        "Each round also expires waitlist offers past their time (celery-beat's expire-waitlist-offers)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0, help="Repeat every N seconds (0: once).")

    def handle(self, *args, every: int, **options):
        while True:
            # Before the hand-over, so the next in line's offer goes out in the same round.
            waitlist_expire()
            handed = messages_hand_over_all()
            if handed or not every:
                self.stdout.write(f"{handed} message(s) handed over")
            if not every:
                return
            time.sleep(every)
