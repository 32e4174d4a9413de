from collections.abc import Mapping
from zoneinfo import ZoneInfo

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import Action, Open, membership_for, professional_scope
from accounts.tenancy import actor
from agendazap.api.pagination import paginate, paginate_values
from agendazap.api.views import BusinessAPIView, shared_json, validated
from agendazap.business_cache import AGENDA as AGENDA_VERSION
from agendazap.business_cache import CLIENTS as CLIENTS_VERSION
from agendazap.business_cache import SETUP as SETUP_VERSION
from agendazap.errors import PlanLimitExceeded
from agendazap.events import Actor, Via
from agendazap.http import client_ip
from crm import selectors as client_selectors
from crm.api.rows import client_json
from scheduling import reports, selectors, services
from scheduling.api.rows import APPOINTMENT_COLUMNS, HISTORY_COLUMNS, appointments_json, history_appointments_json
from scheduling.api.serializers import (
    AppointmentActivityListSerializer,
    AppointmentCancelInputSerializer,
    AppointmentCreateInputSerializer,
    AppointmentSerializer,
    AppointmentSeriesCreateInputSerializer,
    AppointmentStatsSerializer,
    AppointmentUpdateInputSerializer,
    AvailabilityQuerySerializer,
    AvailabilitySerializer,
    BookingRulesInputSerializer,
    BookingRulesSerializer,
    ClientHistorySerializer,
    ProfessionalCreateInputSerializer,
    ProfessionalInputSerializer,
    ProfessionalSerializer,
    PublicBookingInputSerializer,
    PublicBookingSerializer,
    PublicVisitBookingInputSerializer,
    PublicVisitBookingSerializer,
    PublicWaitlistEntrySerializer,
    ReportOverviewSerializer,
    ReportQuerySerializer,
    SeriesBookedSerializer,
    SeriesCancelledSerializer,
    StatsQuerySerializer,
    TimeOffCreateInputSerializer,
    TimeOffInputSerializer,
    TimeOffSerializer,
    VisitAvailabilitySerializer,
    VisitCreatedSerializer,
    VisitCreateInputSerializer,
    VisitMoveInputSerializer,
    VisitSerializer,
    WaitlistClaimInputSerializer,
    WaitlistEntrySerializer,
    WaitlistJoinInputSerializer,
    WaitlistQuerySerializer,
    WorkingHoursInputSerializer,
    WorkingHoursSerializer,
)

PAGE_PARAMS = [
    OpenApiParameter("page", int, description="1-based page number"),
    OpenApiParameter("per_page", int, description="Rows per page (max 100)"),
]


AGENDA = {
    "GET": Action.AGENDA_VIEW_OWN,
    "POST": Action.AGENDA_MANAGE,
    "PUT": Action.AGENDA_MANAGE,
    "PATCH": Action.AGENDA_MANAGE,
    "DELETE": Action.AGENDA_MANAGE,
}
# The team, hours, time off and rules: read by whoever books for everyone, changed in the settings.
SETTINGS = {
    "GET": Action.AGENDA_VIEW_ALL,
    "POST": Action.SETTINGS_MANAGE,
    "PUT": Action.SETTINGS_MANAGE,
    "PATCH": Action.SETTINGS_MANAGE,
    "DELETE": Action.SETTINGS_MANAGE,
}


def _actor(request: Request) -> Actor:
    return actor(request, via=Via.API)


def _scope(request: Request):
    return professional_scope(membership_for(request))


# --- Appointments --------------------------------------------------------------------------------
class AppointmentListView(BusinessAPIView):
    required_action = AGENDA

    @extend_schema(
        parameters=[
            *PAGE_PARAMS,
            OpenApiParameter("status", str, many=True),
            OpenApiParameter("date_from", str, description="YYYY-MM-DD, inclusive, business time zone"),
            OpenApiParameter("date_to", str, description="YYYY-MM-DD, inclusive, business time zone"),
            OpenApiParameter("service_id", str),
            OpenApiParameter("professional_id", str),
            OpenApiParameter("query", str, description="Client name, email, WhatsApp digits, notes, service"),
        ],
        responses={200: AppointmentSerializer(many=True)},
        tags=["appointments"],
    )
    def get(self, request: Request) -> HttpResponse:
        scope = _scope(request)

        def page(as_of) -> dict:
            appointments = selectors.appointment_list(
                business=request.business, filters=request.query_params, professional_scope=scope
            )
            return paginate_values(
                appointments,
                request.query_params,
                columns=APPOINTMENT_COLUMNS,
                key="appointments",
                serialize=appointments_json,
            )

        return shared_json(
            request,
            "appointments",
            page,
            scopes=(SETUP_VERSION, AGENDA_VERSION),
            scope_id=scope.pk if scope else "",
        )

    @extend_schema(
        request=PolymorphicProxySerializer(
            component_name="AppointmentCreateRequest",
            serializers=[
                AppointmentCreateInputSerializer,
                AppointmentSeriesCreateInputSerializer,
                VisitCreateInputSerializer,
            ],
            resource_type_field_name=None,
        ),
        responses={
            201: PolymorphicProxySerializer(
                component_name="AppointmentCreated",
                serializers=[AppointmentSerializer, SeriesBookedSerializer, VisitCreatedSerializer],
                resource_type_field_name=None,
            )
        },
        tags=["appointments"],
        description=(
            "Book one appointment; with `recurrence` a series: each occurrence is booked on its own and "
            "those that cannot be are listed in `skipped` (409 when none can); with `service_ids` instead of "
            "`service_id` a visit, every part booked or none."
        ),
    )
    def post(self, request: Request) -> Response:
        if isinstance(request.data, Mapping) and "recurrence" in request.data:
            if "service_ids" in request.data:
                raise DRFValidationError(
                    {"recurrence": [_("A series repeats one service: book several services without repeating.")]}
                )
            return self._book_series(request)
        if isinstance(request.data, Mapping) and "service_ids" in request.data:
            return _visit_create(request)
        data = validated(AppointmentCreateInputSerializer, request.data, check=_client_details_check)
        appointment = services.appointment_book(
            business=request.business, actor=_actor(request), professional_scope=_scope(request), **data
        )
        return Response(AppointmentSerializer(appointment).data, status=status.HTTP_201_CREATED)

    def _book_series(self, request: Request) -> Response:
        data = dict(validated(AppointmentSeriesCreateInputSerializer, request.data, check=_client_details_check))
        recurrence = data.pop("recurrence")
        booking = services.series_book(
            business=request.business,
            actor=_actor(request),
            professional_scope=_scope(request),
            every_weeks=recurrence["every_weeks"],
            count=recurrence.get("count"),
            until=recurrence.get("until"),
            **data,
        )
        tz = selectors.business_timezone(request.business)
        body = {
            "series_id": booking.series.pk,
            "appointments": booking.appointments,
            "skipped": [services.skipped_json(row, tz) for row in booking.skipped],
        }
        return Response(SeriesBookedSerializer(body).data, status=status.HTTP_201_CREATED)


def _visit_create(request: Request) -> Response:
    data = validated(VisitCreateInputSerializer, request.data, check=_client_details_check)
    visit = services.visit_book(
        business=request.business, actor=_actor(request), professional_scope=_scope(request), **data
    )
    return Response(VisitCreatedSerializer(visit.parts[0]).data, status=status.HTTP_201_CREATED)


def _client_details_check(shaped: dict) -> None:
    """A new booking's client name and number, checked beside the body's other errors."""
    if not shaped.get("client_id"):
        services.client_details_validate(
            client_name=shaped.get("client_name"), client_whatsapp=shaped.get("client_whatsapp")
        )


class AppointmentDetailView(BusinessAPIView):
    required_action = AGENDA

    @extend_schema(responses={200: AppointmentSerializer}, tags=["appointments"])
    def get(self, request: Request, appointment_id) -> Response:
        appointment = selectors.appointment_get(
            business=request.business, appointment_id=appointment_id, professional_scope=_scope(request)
        )
        return Response(AppointmentSerializer(appointment).data)

    @extend_schema(
        request=AppointmentUpdateInputSerializer, responses={200: AppointmentSerializer}, tags=["appointments"]
    )
    def put(self, request: Request, appointment_id) -> Response:
        appointment = selectors.appointment_get(
            business=request.business, appointment_id=appointment_id, professional_scope=_scope(request)
        )
        data = validated(AppointmentUpdateInputSerializer, request.data)
        appointment = services.appointment_update(
            appointment=appointment, actor=_actor(request), data=data, professional_scope=_scope(request)
        )
        return Response(AppointmentSerializer(appointment).data)

    @extend_schema(
        request=AppointmentUpdateInputSerializer, responses={200: AppointmentSerializer}, tags=["appointments"]
    )
    def patch(self, request: Request, appointment_id) -> Response:
        return self.put(request, appointment_id)

    @extend_schema(
        request=AppointmentCancelInputSerializer,
        parameters=[
            OpenApiParameter(
                "scope",
                str,
                enum=["one", "future"],
                description="one (default): this appointment; future: it and the later occurrences of its series.",
            )
        ],
        responses={
            200: PolymorphicProxySerializer(
                component_name="AppointmentCancelled",
                serializers=[AppointmentSerializer, SeriesCancelledSerializer],
                resource_type_field_name=None,
            )
        },
        tags=["appointments"],
        description=(
            "Cancel the appointment (the row stays, with status `cancelled`). With `scope=future`, also the "
            "later pending or confirmed occurrences of its series: the answer is `series_id` and `appointments`."
        ),
    )
    def delete(self, request: Request, appointment_id) -> Response:
        scope = request.query_params.get("scope", "one")
        if scope not in ("one", "future"):
            return Response(
                {"scope": [_("Choose one (this appointment) or future (this one and the later ones of its series).")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        appointment = selectors.appointment_get(
            business=request.business, appointment_id=appointment_id, professional_scope=_scope(request)
        )
        data = validated(AppointmentCancelInputSerializer, request.data or {})
        if scope == "future":
            cancelled = services.series_cancel_following(
                appointment=appointment,
                actor=_actor(request),
                reason=data.get("reason", ""),
                professional_scope=_scope(request),
            )
            body = {"series_id": appointment.series_id, "appointments": cancelled}
            return Response(SeriesCancelledSerializer(body).data)
        appointment = services.appointment_cancel(
            appointment=appointment,
            actor=_actor(request),
            reason=data.get("reason", ""),
            professional_scope=_scope(request),
        )
        return Response(AppointmentSerializer(appointment).data)


class AppointmentActivityView(BusinessAPIView):
    required_action = Action.AGENDA_VIEW_OWN

    @extend_schema(responses={200: AppointmentActivityListSerializer}, tags=["appointments"])
    def get(self, request: Request, appointment_id) -> Response:
        """What happened to the appointment, oldest first, and who did it."""
        appointment = selectors.appointment_get(
            business=request.business, appointment_id=appointment_id, professional_scope=_scope(request)
        )
        rows = selectors.appointment_activity_list(appointment=appointment)
        return Response(AppointmentActivityListSerializer({"activity": rows}).data)


class AvailabilityView(BusinessAPIView):
    required_action = Action.AGENDA_VIEW_OWN

    @extend_schema(
        parameters=[AvailabilityQuerySerializer],
        responses={
            200: PolymorphicProxySerializer(
                component_name="AvailabilityOrVisitAvailability",
                serializers=[AvailabilitySerializer, VisitAvailabilitySerializer],
                resource_type_field_name=None,
            )
        },
        tags=["appointments"],
        description="With `service_ids` (comma-separated) instead of `service_id`: the starts at which the "
        "services fit back to back; `duration` is the whole visit's.",
    )
    def get(self, request: Request) -> HttpResponse:
        scope = _scope(request)
        # The query string names the service, day, professional and duration asked for; it is
        # checked when the answer is computed (a refused one is never kept).
        return shared_json(
            request,
            "availability",
            lambda as_of: self._answer(
                request, validated(AvailabilityQuerySerializer, request.query_params), scope, as_of
            ),
            scopes=(SETUP_VERSION, AGENDA_VERSION),
            scope_id=scope.pk if scope else "",
        )

    @staticmethod
    def _answer(request: Request, query: dict, scope, as_of) -> dict:
        if "service_ids" in query:
            return AvailabilityView._visit_answer(request, query, scope, as_of)
        service = selectors.service_bookable_get(business=request.business, service_id=query["service_id"])
        professional = None
        if query.get("professional_id") or scope:
            professional = selectors.professional_bookable_get(
                business=request.business,
                professional_id=query.get("professional_id") or scope.pk,
                service=service,
                professional_scope=scope,
            )
        availability = selectors.availability_get(
            business=request.business,
            service=service,
            day=query["date"],
            professional=professional,
            duration_minutes=query.get("duration"),
            now=as_of,
        )
        body = {
            "date": availability.day,
            "service_id": service.pk,
            "professional_id": professional.pk if professional else None,
            "duration": query.get("duration") or service.duration,
            "available_slots": availability.slots,
            "conflicts": [
                {"id": busy.appointment_id, "start_time": busy.start, "end_time": busy.end_time}
                for busy in availability.busy
            ],
        }
        return AvailabilitySerializer(body).data

    @staticmethod
    def _visit_answer(request: Request, query: dict, scope, as_of) -> dict:
        services_asked = selectors.visit_services_get(business=request.business, service_ids=query["service_ids"])
        professional = None
        if query.get("professional_id") or scope:
            professional = selectors.professional_bookable_get(
                business=request.business,
                professional_id=query.get("professional_id") or scope.pk,
                professional_scope=scope,
            )
        availability = selectors.visit_availability_get(
            business=request.business, services=services_asked, day=query["date"], professional=professional, now=as_of
        )
        body = {
            "date": availability.day,
            "service_id": services_asked[0].pk,
            "service_ids": [service.pk for service in services_asked],
            "professional_id": professional.pk if professional else None,
            "duration": sum(service.duration for service in services_asked),
            "available_slots": availability.slots,
            "conflicts": [
                {"id": busy.appointment_id, "start_time": busy.start, "end_time": busy.end_time}
                for busy in availability.busy
            ],
        }
        return VisitAvailabilitySerializer(body).data


class AppointmentStatsView(BusinessAPIView):
    required_action = Action.FIGURES_VIEW

    @extend_schema(
        parameters=[StatsQuerySerializer], responses={200: AppointmentStatsSerializer}, tags=["appointments"]
    )
    def get(self, request: Request) -> Response:
        query = validated(StatsQuerySerializer, request.query_params)
        return Response(selectors.appointment_stats(business=request.business, **query))


# --- Professionals and hours ------------------------------------------------------------------------
class ProfessionalListView(BusinessAPIView):
    required_action = SETTINGS

    @extend_schema(
        parameters=[*PAGE_PARAMS, OpenApiParameter("include_inactive", bool)],
        responses={200: ProfessionalSerializer(many=True)},
        tags=["professionals"],
    )
    def get(self, request: Request) -> Response:
        include_inactive = request.query_params.get("include_inactive") in ("1", "true", "True")
        professionals = selectors.professional_list(business=request.business, include_inactive=include_inactive)
        return Response(
            paginate(
                professionals,
                request.query_params,
                key="professionals",
                serialize=lambda rows: ProfessionalSerializer(rows, many=True).data,
            )
        )

    @extend_schema(
        request=ProfessionalCreateInputSerializer, responses={201: ProfessionalSerializer}, tags=["professionals"]
    )
    def post(self, request: Request) -> Response:
        data = validated(ProfessionalCreateInputSerializer, request.data)
        professional = services.professional_create(
            business=request.business, name=data["name"], service_ids=data.get("service_ids")
        )
        professional = selectors.professional_get(business=request.business, professional_id=professional.pk)
        return Response(ProfessionalSerializer(professional).data, status=status.HTTP_201_CREATED)


class ProfessionalDetailView(BusinessAPIView):
    required_action = SETTINGS

    @extend_schema(responses={200: ProfessionalSerializer}, tags=["professionals"])
    def get(self, request: Request, professional_id) -> Response:
        professional = selectors.professional_get(business=request.business, professional_id=professional_id)
        return Response(ProfessionalSerializer(professional).data)

    @extend_schema(request=ProfessionalInputSerializer, responses={200: ProfessionalSerializer}, tags=["professionals"])
    def put(self, request: Request, professional_id) -> Response:
        professional = selectors.professional_get(business=request.business, professional_id=professional_id)
        data = validated(
            ProfessionalInputSerializer,
            request.data,
            check=lambda shaped: services.professional_validate(professional=professional, data=shaped),
        )
        services.professional_update(professional=professional, data=data)
        professional = selectors.professional_get(business=request.business, professional_id=professional_id)
        return Response(ProfessionalSerializer(professional).data)

    @extend_schema(request=ProfessionalInputSerializer, responses={200: ProfessionalSerializer}, tags=["professionals"])
    def patch(self, request: Request, professional_id) -> Response:
        return self.put(request, professional_id)

    @extend_schema(
        responses={204: None},
        tags=["professionals"],
        description="Deactivate (past appointments keep their professional).",
    )
    def delete(self, request: Request, professional_id) -> Response:
        professional = selectors.professional_get(business=request.business, professional_id=professional_id)
        services.professional_deactivate(professional=professional)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WorkingHoursView(BusinessAPIView):
    required_action = SETTINGS

    @extend_schema(responses={200: WorkingHoursInputSerializer}, tags=["professionals"])
    def get(self, request: Request, professional_id) -> Response:
        professional = selectors.professional_get(business=request.business, professional_id=professional_id)
        return Response({"intervals": WorkingHoursSerializer(professional.working_hours.all(), many=True).data})

    @extend_schema(
        request=WorkingHoursInputSerializer,
        responses={200: WorkingHoursInputSerializer},
        tags=["professionals"],
        description="Replace the weekly hours. Several intervals a day make breaks; weekday 0 is Monday.",
    )
    def put(self, request: Request, professional_id) -> Response:
        professional = selectors.professional_get(business=request.business, professional_id=professional_id)
        data = validated(WorkingHoursInputSerializer, request.data)
        rows = services.working_hours_replace(professional=professional, intervals=data["intervals"])
        return Response({"intervals": WorkingHoursSerializer(rows, many=True).data})


# --- Time off and rules -------------------------------------------------------------------------------
class TimeOffListView(BusinessAPIView):
    required_action = SETTINGS

    @extend_schema(parameters=PAGE_PARAMS, responses={200: TimeOffSerializer(many=True)}, tags=["time-off"])
    def get(self, request: Request) -> Response:
        return Response(
            paginate(
                selectors.time_off_list(business=request.business),
                request.query_params,
                key="time_off",
                serialize=lambda rows: TimeOffSerializer(rows, many=True).data,
            )
        )

    @extend_schema(
        request=TimeOffCreateInputSerializer,
        responses={201: TimeOffSerializer},
        tags=["time-off"],
        description="Close the whole business (no professional_id) or one professional for a period.",
    )
    def post(self, request: Request) -> Response:
        data = validated(TimeOffCreateInputSerializer, request.data)
        row = services.time_off_create(business=request.business, **data)
        return Response(TimeOffSerializer(row).data, status=status.HTTP_201_CREATED)


class TimeOffDetailView(BusinessAPIView):
    required_action = SETTINGS

    @extend_schema(responses={200: TimeOffSerializer}, tags=["time-off"])
    def get(self, request: Request, time_off_id) -> Response:
        return Response(
            TimeOffSerializer(selectors.time_off_get(business=request.business, time_off_id=time_off_id)).data
        )

    @extend_schema(request=TimeOffInputSerializer, responses={200: TimeOffSerializer}, tags=["time-off"])
    def put(self, request: Request, time_off_id) -> Response:
        row = selectors.time_off_get(business=request.business, time_off_id=time_off_id)
        row = services.time_off_update(time_off=row, data=validated(TimeOffInputSerializer, request.data))
        return Response(TimeOffSerializer(row).data)

    @extend_schema(request=TimeOffInputSerializer, responses={200: TimeOffSerializer}, tags=["time-off"])
    def patch(self, request: Request, time_off_id) -> Response:
        return self.put(request, time_off_id)

    @extend_schema(responses={204: None}, tags=["time-off"])
    def delete(self, request: Request, time_off_id) -> Response:
        services.time_off_delete(time_off=selectors.time_off_get(business=request.business, time_off_id=time_off_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class BookingRulesView(BusinessAPIView):
    required_action = SETTINGS

    @extend_schema(responses={200: BookingRulesSerializer}, tags=["booking-rules"])
    def get(self, request: Request) -> Response:
        return Response(BookingRulesSerializer(selectors.booking_rules_get(business=request.business)).data)

    @extend_schema(request=BookingRulesInputSerializer, responses={200: BookingRulesSerializer}, tags=["booking-rules"])
    def put(self, request: Request) -> Response:
        data = validated(BookingRulesInputSerializer, request.data)
        return Response(
            BookingRulesSerializer(services.booking_rules_update(business=request.business, data=data)).data
        )

    @extend_schema(request=BookingRulesInputSerializer, responses={200: BookingRulesSerializer}, tags=["booking-rules"])
    def patch(self, request: Request) -> Response:
        return self.put(request)


class PublicBookingView(APIView):
    """Book without an account, as the public page does (throttled per IP and per number).

    Answers 409 when the time was just taken, and 402 when the business cannot take online
    bookings now (its plan's limit).
    """

    required_action = Open.PUBLIC
    permission_classes = [AllowAny]
    authentication_classes: list = []  # no session: no CSRF, no cookies

    @extend_schema(
        request=PolymorphicProxySerializer(
            component_name="PublicBookingOrVisitInput",
            serializers=[PublicBookingInputSerializer, PublicVisitBookingInputSerializer],
            resource_type_field_name=None,
        ),
        responses={
            201: PolymorphicProxySerializer(
                component_name="PublicBookingOrVisit",
                serializers=[PublicBookingSerializer, PublicVisitBookingSerializer],
                resource_type_field_name=None,
            )
        },
        tags=["appointments"],
        description="With `service_ids` instead of `service_id`: a visit, every part booked or none.",
    )
    def post(self, request: Request) -> Response:
        if isinstance(request.data, dict) and "service_ids" in request.data:
            return _book_online(
                request,
                PublicVisitBookingInputSerializer,
                services.visit_book_online,
                lambda visit: PublicVisitBookingSerializer(visit.parts[0]),
            )
        return _book_online(
            request, PublicBookingInputSerializer, services.appointment_book_online, PublicBookingSerializer
        )

    def finalize_response(self, request, response, *args, **kwargs):
        timezone.deactivate()
        return super().finalize_response(request, response, *args, **kwargs)


def _online_refused() -> Response:
    # The client learns the business cannot take bookings, not the business's plan figures.
    return Response(
        {"detail": _("This business cannot take bookings online right now. Please contact it directly.")},
        status=status.HTTP_402_PAYMENT_REQUIRED,
    )


def _book_online(request: Request, input_serializer, book, output) -> Response:
    """A client's booking through the public API: one appointment or a visit (`book` and the
    serializers say which), in the business's time zone."""
    data = validated(input_serializer, request.data)
    business = selectors.business_public_get(slug=data["business_slug"])
    timezone.activate(ZoneInfo(business.timezone))
    asked = {key: data[key] for key in ("service_id", "service_ids") if key in data}
    try:
        booked = book(
            business=business,
            via=Via.PUBLIC_API,
            ip_address=client_ip(request),
            **asked,
            professional_id=data.get("professional_id"),
            start_time=data["start_time"],
            client_name=data["client_name"],
            client_whatsapp=data["client_whatsapp"],
            client_email=data.get("client_email", ""),
            notes=data.get("notes", ""),
            whatsapp_consent=data["consent_whatsapp"],
        )
    except PlanLimitExceeded:
        return _online_refused()
    return Response(output(booked).data, status=status.HTTP_201_CREATED)


class VisitDetailView(BusinessAPIView):
    """A visit of several services: see it, move it, cancel it, as one."""

    required_action = AGENDA

    def _visit(self, request: Request, visit_id):
        return selectors.visit_get(business=request.business, visit_id=visit_id, professional_scope=_scope(request))

    @extend_schema(responses={200: VisitSerializer}, tags=["visits"])
    def get(self, request: Request, visit_id) -> Response:
        return Response(_visit_body(self._visit(request, visit_id)))

    @extend_schema(
        request=VisitMoveInputSerializer,
        responses={200: VisitSerializer},
        tags=["visits"],
        description="Move every active part together (each keeps its professional and length); 409 on a conflict.",
    )
    def put(self, request: Request, visit_id) -> Response:
        visit = self._visit(request, visit_id)
        data = validated(VisitMoveInputSerializer, request.data)
        services.visit_move(visit=visit, actor=_actor(request), professional_scope=_scope(request), **data)
        return Response(_visit_body(self._visit(request, visit_id)))

    @extend_schema(request=VisitMoveInputSerializer, responses={200: VisitSerializer}, tags=["visits"])
    def patch(self, request: Request, visit_id) -> Response:
        return self.put(request, visit_id)

    @extend_schema(
        request=AppointmentCancelInputSerializer,
        responses={200: VisitSerializer},
        tags=["visits"],
        description="Cancel every active part (one message to the client). "
        "`DELETE /api/appointments/{id}` cancels one part.",
    )
    def delete(self, request: Request, visit_id) -> Response:
        visit = self._visit(request, visit_id)
        data = validated(AppointmentCancelInputSerializer, request.data or {})
        services.visit_cancel(
            visit=visit, actor=_actor(request), reason=data.get("reason", ""), professional_scope=_scope(request)
        )
        return Response(_visit_body(self._visit(request, visit_id)))


def _visit_body(visit) -> dict:
    active = [part for part in visit.parts if not part.is_cancelled]
    length, price = services.visit_total(active)
    body = {
        "id": visit.pk,
        "client_id": visit.client_id,
        "start_time": active[0].start_time if active else None,
        "end_time": active[-1].end_time if active else None,
        "duration": int(length.total_seconds() // 60),
        "price": price,
        "cancelled_at": visit.cancelled_at,
        "created_at": visit.created_at,
        "parts": visit.parts,
    }
    return VisitSerializer(body).data


class ClientHistoryView(BusinessAPIView):
    """A client's appointments, newest first, with the client's figures."""

    required_action = Action.CLIENTS_VIEW

    @extend_schema(
        parameters=[OpenApiParameter("page", int), OpenApiParameter("per_page", int)],
        responses={200: ClientHistorySerializer},
        tags=["clients"],
    )
    def get(self, request: Request, client_id) -> HttpResponse:
        scope = _scope(request)

        def history(as_of) -> dict:
            client = client_selectors.client_get(
                business=request.business, client_id=client_id, professional_scope=scope
            )
            page = paginate_values(
                client_selectors.client_history(client=client, professional_scope=scope),
                request.query_params,
                columns=HISTORY_COLUMNS,
                key="appointments",
                serialize=history_appointments_json,
            )
            return {"client": client_json(vars(client)), **page}

        return shared_json(
            request,
            f"client-history:{client_id}",
            history,
            scopes=(SETUP_VERSION, AGENDA_VERSION, CLIENTS_VERSION),
            scope_id=scope.pk if scope else "",
        )


# --- Reports ----------------------------------------------------------------------------------------
class ReportOverviewView(BusinessAPIView):
    required_action = Action.FIGURES_VIEW

    @extend_schema(parameters=[ReportQuerySerializer], responses={200: ReportOverviewSerializer}, tags=["reports"])
    def get(self, request: Request) -> Response:
        query = validated(ReportQuerySerializer, request.query_params)
        date_from, date_to = reports.report_period(
            business=request.business, date_from=query.get("date_from"), date_to=query.get("date_to")
        )
        professional = reports.report_professional(
            business=request.business, professional_id=query.get("professional_id")
        )
        overview = reports.report_overview(
            business=request.business, date_from=date_from, date_to=date_to, professional=professional
        )
        return Response(ReportOverviewSerializer(overview).data)


# --- Waitlist ----------------------------------------------------------------------------------------
class _PublicView(APIView):
    required_action = Open.PUBLIC
    permission_classes = [AllowAny]
    authentication_classes: list = []  # no session: no CSRF, no cookies

    def finalize_response(self, request, response, *args, **kwargs):
        timezone.deactivate()
        return super().finalize_response(request, response, *args, **kwargs)


CANNOT_TAKE_ONLINE = _("This business cannot take bookings online right now. Please contact it directly.")


class WaitlistView(APIView):
    """The owner's waitlist (GET, for the business of the token); a client joins it without an
    account (POST, public: no authentication, no session, no cookies)."""

    required_action = {"GET": Action.AGENDA_VIEW_ALL, "POST": Open.PUBLIC}

    def get_authenticators(self):
        if self.request is not None and self.request.method == "POST":
            return []
        return super().get_authenticators()

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else super().get_permissions()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method != "POST":
            # As BusinessAPIView: the list is the business's, in its time zone.
            if not request.business:
                raise PermissionDenied(_("This login belongs to no business."))
            timezone.activate(ZoneInfo(request.business.timezone))

    @extend_schema(
        parameters=[*PAGE_PARAMS, WaitlistQuerySerializer],
        responses={200: WaitlistEntrySerializer(many=True)},
        tags=["waitlist"],
        description="Who waits, by day then first come first served; without `status`, waiting or offered.",
    )
    def get(self, request: Request) -> Response:
        query = validated(WaitlistQuerySerializer, request.query_params)
        entries = selectors.waitlist_list(
            business=request.business,
            day=query.get("date"),
            service_id=query.get("service_id"),
            status=query.get("status"),
        )
        return Response(
            paginate(
                entries,
                request.query_params,
                key="waitlist",
                serialize=lambda rows: WaitlistEntrySerializer(rows, many=True).data,
            )
        )

    @extend_schema(
        request=WaitlistJoinInputSerializer,
        responses={201: PublicWaitlistEntrySerializer, 200: PublicWaitlistEntrySerializer},
        tags=["waitlist"],
        description="Public, no account: join the waitlist of a day (200 with the same entry when already on it).",
    )
    def post(self, request: Request) -> Response:
        data = validated(WaitlistJoinInputSerializer, request.data)
        business = selectors.business_public_get(slug=data["business_slug"])
        timezone.activate(ZoneInfo(business.timezone))
        try:
            entry, created = services.waitlist_join(
                business=business,
                ip_address=client_ip(request),
                service_id=data["service_id"],
                day=data["date"],
                professional_id=data.get("professional_id"),
                window_from=data.get("from"),
                window_until=data.get("until"),
                client_name=data["client_name"],
                client_whatsapp=data["client_whatsapp"],
                consent_whatsapp=data["consent_whatsapp"],
            )
        except PlanLimitExceeded:
            return Response({"detail": CANNOT_TAKE_ONLINE}, status=status.HTTP_402_PAYMENT_REQUIRED)
        return Response(
            PublicWaitlistEntrySerializer(entry).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def finalize_response(self, request, response, *args, **kwargs):
        timezone.deactivate()
        return super().finalize_response(request, response, *args, **kwargs)


class WaitlistEntryView(BusinessAPIView):
    required_action = {"DELETE": Action.AGENDA_MANAGE}

    @extend_schema(responses={204: None}, tags=["waitlist"], description="Take the client off the waitlist.")
    def delete(self, request: Request, entry_id) -> Response:
        services.waitlist_remove(entry=selectors.waitlist_entry_get(business=request.business, entry_id=entry_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WaitlistClaimView(_PublicView):
    """Book an offered time with the offer's token: 201 for the first claim, 409 once taken, 410 once expired."""

    @extend_schema(request=WaitlistClaimInputSerializer, responses={201: PublicBookingSerializer}, tags=["waitlist"])
    def post(self, request: Request) -> Response:
        data = validated(WaitlistClaimInputSerializer, request.data)
        offer = services.waitlist_offer_get(token=data["token"])
        timezone.activate(ZoneInfo(offer.entry.business.timezone))
        try:
            appointment = services.waitlist_claim(offer=offer, via=Via.PUBLIC_API, ip_address=client_ip(request))
        except PlanLimitExceeded:
            return Response({"detail": CANNOT_TAKE_ONLINE}, status=status.HTTP_402_PAYMENT_REQUIRED)
        return Response(PublicBookingSerializer(appointment).data, status=status.HTTP_201_CREATED)
