"""The waitlist: clients waiting for a day with no time that suited them, offered the times that free up.

A time frees up when an appointment is cancelled or moved away, or a time off is removed. The
waiting clients of that day (first come, first served) to whom the engine would now offer a
start touching the freed range — for their service, their professional if they chose one, and
within their window — get an offer (`WaitlistOffer`): the first `waitlist_offers_at_once` of
them, each with a private claim link that expires after `waitlist_offer_minutes`. Claiming books
through the normal online path, so the engine and the exclusion constraint decide who gets the
time: the first claim books it, the later ones are told it is gone. An offer that expires, or
is withdrawn, lets the next in line have the time while it stays free.
"""

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Business
from agendazap import events
from agendazap.business_cache import waitlist_changed
from agendazap.errors import Conflict, Gone
from agendazap.events import Via
from agendazap.phones import phone_to_e164
from crm import services as client_services
from scheduling import selectors
from scheduling.availability import day_bounds, free_starts
from scheduling.business_config import business_config
from scheduling.models import (
    WAITLIST_ACTIVE,
    Appointment,
    AppointmentSource,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistOfferStatus,
    WaitlistStatus,
)
from scheduling.services.common import required_text
from scheduling.services.online import appointment_book_online, public_booking_allowed
from scheduling.services.rules import ACTIVE_STATUSES


class WaitlistTimeTaken(Conflict):
    default_detail = _("Sorry, someone already took this time. You stay on the waitlist for this day.")


class WaitlistOfferExpired(Gone):
    default_detail = _("This offer has expired. You stay on the waitlist for this day.")


# --- Joining and leaving --------------------------------------------------------------------------
def waitlist_join(
    *,
    business: Business,
    ip_address: str,
    service_id,
    day: date,
    client_name: str,
    client_whatsapp: str,
    consent_whatsapp: bool,
    professional_id=None,
    window_from: time | None = None,
    window_until: time | None = None,
    now: datetime | None = None,
) -> tuple[WaitlistEntry, bool]:
    """Put a client on the waitlist of `day` (400 for a bad field, 429 like online bookings).

    Returns the entry and whether it is new: the same client already waiting for the service on
    that day is not added twice (their entry is returned as it is).
    """
    now = now or timezone.now()
    tz = selectors.business_timezone(business)
    errors: dict[str, list[str]] = {}
    service = professional = None
    try:
        service = selectors.service_bookable_get(business=business, service_id=service_id)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if professional_id and service is not None:
        try:
            professional = selectors.professional_bookable_get(
                business=business, professional_id=professional_id, service=service
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
    today = now.astimezone(tz).date()
    last = today + timedelta(days=selectors.booking_rules_cached(business=business).max_days_ahead)
    if not today <= day <= last:
        errors["date"] = [_("Choose a day from today up to the last day open for bookings.")]
    if window_from and window_until and window_from >= window_until:
        errors["until"] = [_("Must be later than “from”.")]
    try:
        client_name = required_text(client_name, "client_name")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        client_whatsapp = phone_to_e164(client_whatsapp)
    except ValidationError as exc:
        errors["client_whatsapp"] = exc.messages
    if errors:
        raise ValidationError(errors)
    public_booking_allowed(ip_address=ip_address, whatsapp=client_whatsapp)

    with transaction.atomic():
        client = client_services.client_find_or_create(
            business=business, name=client_name, whatsapp=client_whatsapp, source=AppointmentSource.PUBLIC
        )
        existing = (
            WaitlistEntry.objects.select_for_update()
            .filter(business=business, client=client, service=service, date=day, status__in=WAITLIST_ACTIVE)
            .first()
        )
        if existing is not None:
            return existing, False
        entry = WaitlistEntry.objects.create(
            business=business,
            service=service,
            professional=professional,
            date=day,
            window_from=window_from,
            window_until=window_until,
            client=client,
            client_name=client_name,
            client_whatsapp=client_whatsapp,
            consent_whatsapp=consent_whatsapp,
        )
    return entry, True


@transaction.atomic
def waitlist_remove(*, entry: WaitlistEntry) -> WaitlistEntry:
    """Take a client off the list; an offer they hold can no longer be claimed."""
    entry.status = WaitlistStatus.REMOVED
    entry.save(update_fields=["status", "updated_at"])
    WaitlistOffer.objects.filter(entry=entry, status=WaitlistOfferStatus.OPEN).update(
        status=WaitlistOfferStatus.EXPIRED
    )
    return entry


# --- Offering freed times -------------------------------------------------------------------------
def waitlist_time_freed(
    *,
    business: Business,
    professional_id,
    start: datetime,
    until: datetime,
    now: datetime | None = None,
    cached_days: bool = True,
) -> list[WaitlistOffer]:
    """Offer [start, until) of this professional's day, now free, to the first clients waiting for it.

    Runs in the caller's transaction (the cancellation's, the move's). Each waiting entry of the
    day, in the order they joined, gets the first start the engine would offer online for its
    service with this professional that touches the freed range and fits its window. Only
    clients who agreed to WhatsApp are offered (nobody else could be told); a start already
    offered to `waitlist_offers_at_once` clients is offered to nobody more.

    With `cached_days` the cached days someone waits for are asked first (no query when nobody
    waits); a task in another process than the web's (the embedded default's dispatch loop, whose
    cache is its own memory) reads the waitlist itself.
    """
    now = now or timezone.now()
    tz = selectors.business_timezone(business)
    day = start.astimezone(tz).date()
    if cached_days and day not in selectors.waitlist_waiting_days(business=business):
        return []
    config = business_config(business)
    professional = config.professional(professional_id)
    if professional is None or not professional.is_active:
        return []
    entries = list(
        WaitlistEntry.objects.filter(business=business, date=day, status=WaitlistStatus.WAITING, consent_whatsapp=True)
        .filter(Q(professional__isnull=True) | Q(professional_id=professional.pk))
        .select_related("service", "client")
        .order_by("created_at")
        .select_for_update(skip_locked=True, of=("self",))
    )
    if not entries:
        return []
    booking_rules = config.rules
    at_once = booking_rules.waitlist_offers_at_once
    held = Counter(
        WaitlistOffer.objects.filter(
            professional=professional, status=WaitlistOfferStatus.OPEN, entry__date=day
        ).values_list("start_time", flat=True)
    )
    offered_before = defaultdict(set)
    for entry_id, offered_start in WaitlistOffer.objects.filter(
        entry__in=entries, professional=professional
    ).values_list("entry_id", "start_time"):
        offered_before[entry_id].add(offered_start)
    pro_day = selectors.professional_days(
        business=business,
        professionals=[professional],
        day=day,
        tz=tz,
        buffer=selectors.rules_for(booking_rules, entries[0].service).buffer,
    )[professional.pk]
    expires_at = now + timedelta(minutes=booking_rules.waitlist_offer_minutes)
    offers = []
    for entry in entries:
        service = config.services.get(entry.service_id)
        if service is None or professional not in config.professionals_for_service(service.pk):
            continue
        duration = timedelta(minutes=service.duration)
        rules = selectors.rules_for(booking_rules, service)
        chosen = next(
            (
                slot
                for slot in free_starts(pro_day, duration, rules, now=now, tz=tz)
                if slot < until
                and start < slot + duration
                and held[slot] < at_once
                and slot not in offered_before[entry.pk]
                and _fits_window(entry, slot, duration, tz)
            ),
            None,
        )
        if chosen is None:
            continue
        held[chosen] += 1
        offer = WaitlistOffer.objects.create(
            entry=entry, start_time=chosen, professional=professional, expires_at=expires_at
        )
        entry.status = WaitlistStatus.OFFERED
        entry.save(update_fields=["status", "updated_at"])
        entry.business = business  # the caller's instance: the message reads it without a query
        offer.entry = entry
        events.emit(events.WaitlistTimeOffered(offer=offer))
        offers.append(offer)
    return offers


def _fits_window(entry: WaitlistEntry, start: datetime, duration: timedelta, tz) -> bool:
    local_start = start.astimezone(tz)
    local_end = (start + duration).astimezone(tz)
    if entry.window_from and local_start.time() < entry.window_from:
        return False
    return not (entry.window_until and (local_end.date() > local_start.date() or local_end.time() > entry.window_until))


def on_appointment_cancelled(event: events.AppointmentCancelled) -> None:
    appointment = event.appointment
    # Only a booking that held its time frees one when cancelled.
    if event.previous_status in ACTIVE_STATUSES:
        waitlist_time_freed(
            business=appointment.business,
            professional_id=appointment.professional_id,
            start=appointment.start_time,
            until=appointment.blocks_until,
        )


def on_appointment_moved(event: events.AppointmentMoved) -> None:
    appointment = event.appointment
    if (event.previous_start, event.previous_professional_id) == (appointment.start_time, appointment.professional_id):
        return
    waitlist_time_freed(
        business=appointment.business,
        professional_id=event.previous_professional_id,
        start=event.previous_start,
        until=event.previous_start + (appointment.blocks_until - appointment.start_time),
    )


# --- Claiming ------------------------------------------------------------------------------------
def waitlist_offer_get(*, token: str, slug: str | None = None) -> WaitlistOffer:
    """The offer behind a claim link's token (404 when none; with `slug`, only that business's)."""
    offers = WaitlistOffer.objects.filter(token=token)
    if slug is not None:
        offers = offers.filter(entry__business__slug=slug)
    offer = offers.select_related("entry__business", "entry__service", "professional", "appointment").first()
    if offer is None:
        raise Http404
    return offer


def waitlist_claim_refusal(offer: WaitlistOffer, *, now: datetime | None = None) -> Exception | None:
    """Why this offer cannot be claimed now (410 expired, 409 taken), or None."""
    now = now or timezone.now()
    if offer.status == WaitlistOfferStatus.CLAIMED:
        return Conflict(_("You already booked this time."))
    if offer.status == WaitlistOfferStatus.TAKEN_BY_OTHER:
        return WaitlistTimeTaken()
    if offer.status == WaitlistOfferStatus.EXPIRED or offer.expires_at <= now:
        return WaitlistOfferExpired()
    return None


def waitlist_claim(*, offer: WaitlistOffer, via: Via, ip_address: str) -> Appointment:
    """Book the offered time for the waiting client through the online booking path (201 or 409/410).

    The engine re-checks the time and the exclusion constraint decides between claims at once:
    the loser's offer is marked taken. The winner's entry is booked; the other clients offered
    an overlapping start are told it is gone and wait again.
    """
    refusal = waitlist_claim_refusal(offer)
    if refusal is not None:
        raise refusal
    entry = offer.entry
    try:
        appointment = appointment_book_online(
            business=entry.business,
            via=via,
            ip_address=ip_address,
            service_id=entry.service_id,
            professional_id=offer.professional_id,
            start_time=offer.start_time,
            client_name=entry.client_name,
            client_whatsapp=entry.client_whatsapp,
            whatsapp_consent=entry.consent_whatsapp,
        )
    except Conflict:
        _withdraw(WaitlistOffer.objects.filter(pk=offer.pk))
        raise WaitlistTimeTaken() from None
    _claimed(offer, appointment)
    return appointment


@transaction.atomic
def _claimed(offer: WaitlistOffer, appointment: Appointment) -> None:
    WaitlistOffer.objects.filter(pk=offer.pk).update(status=WaitlistOfferStatus.CLAIMED, appointment=appointment)
    WaitlistOffer.objects.filter(entry_id=offer.entry_id, status=WaitlistOfferStatus.OPEN).update(
        status=WaitlistOfferStatus.EXPIRED
    )
    WaitlistEntry.objects.filter(pk=offer.entry_id).update(status=WaitlistStatus.BOOKED, updated_at=timezone.now())
    waitlist_changed(offer.entry.business_id)  # QuerySet.update sends no signal
    offer.status, offer.appointment = WaitlistOfferStatus.CLAIMED, appointment
    _withdraw(
        WaitlistOffer.objects.filter(
            professional_id=appointment.professional_id,
            start_time__lt=appointment.blocks_until,
            start_time__gte=appointment.start_time - timedelta(days=1),
        ).exclude(entry_id=offer.entry_id),
        booked_from=appointment.start_time,
    )


@transaction.atomic
def _withdraw(offers, *, booked_from: datetime | None = None) -> None:
    """Mark the open ones of these offers taken (those ending after `booked_from` when given: the
    time now booked); their clients wait again and are told."""
    withdrawn = list(
        offers.filter(status=WaitlistOfferStatus.OPEN)
        .select_related("entry__business", "entry__service", "professional")
        .select_for_update(of=("self",))
    )
    for offer in withdrawn:
        if booked_from and offer.start_time + timedelta(minutes=offer.entry.service.duration) <= booked_from:
            continue
        offer.status = WaitlistOfferStatus.TAKEN_BY_OTHER
        offer.save(update_fields=["status"])
        _wait_again(offer.entry)
        events.emit(events.WaitlistOfferWithdrawn(offer=offer))


def _wait_again(entry: WaitlistEntry) -> None:
    """An entry whose offers all closed unclaimed waits again, in its place in the line."""
    if entry.status == WaitlistStatus.OFFERED and not entry.offers.filter(status=WaitlistOfferStatus.OPEN).exists():
        entry.status = WaitlistStatus.WAITING
        entry.save(update_fields=["status", "updated_at"])


# --- Expiry ---------------------------------------------------------------------------------------
def waitlist_expire(*, now: datetime | None = None) -> int:
    """Close the offers past their time and offer those times to the next in line while still free;
    close the entries of days that are over. Returns how many offers expired. Run every minute."""
    now = now or timezone.now()
    expired = 0
    with transaction.atomic():
        due = list(
            WaitlistOffer.objects.filter(status=WaitlistOfferStatus.OPEN, expires_at__lte=now)
            .select_related("entry__business", "entry__service")
            .select_for_update(skip_locked=True, of=("self",))[:500]
        )
        times = {}
        for offer in due:
            offer.status = WaitlistOfferStatus.EXPIRED
            offer.save(update_fields=["status"])
            _wait_again(offer.entry)
            duration = timedelta(minutes=offer.entry.service.duration)
            times[(offer.entry.business_id, offer.professional_id, offer.start_time)] = (
                offer.entry.business,
                offer.start_time + duration,
            )
            expired += 1
        for (_business_id, professional_id, start), (business, until) in times.items():
            waitlist_time_freed(
                business=business, professional_id=professional_id, start=start, until=until, now=now, cached_days=False
            )
        # A day is over everywhere once it has ended at UTC-12. (No waitlist_changed: the cached
        # days may still name a past day, which only costs a query that finds nobody.)
        WaitlistEntry.objects.filter(status__in=WAITLIST_ACTIVE, date__lt=(now - timedelta(hours=12)).date()).update(
            status=WaitlistStatus.EXPIRED, updated_at=now
        )
    return expired


def waitlist_time_off_removed(time_off) -> None:
    """A removed time off frees its period, day by day, for its professional or everyone."""
    business = time_off.business
    tz = selectors.business_timezone(business)
    first, last = time_off.start_time.astimezone(tz).date(), time_off.end_time.astimezone(tz).date()
    if not any(first <= day <= last for day in selectors.waitlist_waiting_days(business=business)):
        return
    professionals = (
        [time_off.professional_id]
        if time_off.professional_id
        else [pro.pk for pro in business_config(business).professionals if pro.is_active]
    )
    day = first
    while day <= last:
        day_start, day_end = day_bounds(day, tz)
        for professional_id in professionals:
            waitlist_time_freed(
                business=business,
                professional_id=professional_id,
                start=max(time_off.start_time, day_start),
                until=min(time_off.end_time, day_end),
            )
        day += timedelta(days=1)
