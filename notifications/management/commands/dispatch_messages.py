import time

from django.core.management.base import BaseCommand

from notifications.services import messages_hand_over_all


class Command(BaseCommand):
    help = (
        "Hand due messages to the senders, once or every N seconds. Production runs this through "
        "celery-beat; the embedded default (no Redis) runs it beside the web server, sending inline."
    )

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0, help="Repeat every N seconds (0: once).")

    def handle(self, *args, every: int, **options):
        while True:
            handed = messages_hand_over_all()
            if handed or not every:
                self.stdout.write(f"{handed} message(s) handed over")
            if not every:
                return
            time.sleep(every)
