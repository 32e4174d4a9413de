import hmac
import json

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import Action, Open
from agendazap.api.pagination import paginate
from agendazap.api.views import BusinessAPIView, validated
from agendazap.celery import app as celery_app
from notifications import inbound, selectors, services
from notifications.api.serializers import (
    CountSerializer,
    MessageSerializer,
    NotificationSettingsSerializer,
    PreviewSerializer,
    QueueStatusSerializer,
    TemplateInputSerializer,
    TemplatePreviewInputSerializer,
    TemplateSerializer,
    TestEmailInputSerializer,
    TestWhatsAppInputSerializer,
    WorkerControlInputSerializer,
)
from notifications.models import Channel, Kind, Queue
from notifications.models import Status as MessageStatus
from notifications.services.texts import PLACEHOLDERS

EDITABLE_KINDS = [kind for kind in Kind.values if kind not in (Kind.REPLY, Kind.TEST, Kind.ACCOUNT)]


def _queue(name: str) -> str:
    if name not in Queue.values:
        raise Http404
    return name


class QueueStatusView(BusinessAPIView):
    """Waiting messages per queue for this business, with the workers consuming each queue."""

    required_action = Action.MESSAGES_MANAGE

    @extend_schema(responses={200: QueueStatusSerializer}, tags=["queues"])
    def get(self, request: Request) -> Response:
        return Response(selectors.queue_status(business=request.business))


class FailedMessagesView(BusinessAPIView):
    """This business's failed messages of one queue: list or clear."""

    required_action = Action.MESSAGES_MANAGE

    @extend_schema(
        parameters=[OpenApiParameter("page", int), OpenApiParameter("per_page", int)],
        responses={200: MessageSerializer(many=True)},
        tags=["queues"],
    )
    def get(self, request: Request, queue_name: str) -> Response:
        failed = selectors.message_list(
            business=request.business, filters={"queue": _queue(queue_name), "status": MessageStatus.FAILED}
        )
        return Response(
            paginate(
                failed,
                request.query_params,
                key="messages",
                serialize=lambda rows: MessageSerializer(rows, many=True).data,
            )
        )

    @extend_schema(responses={200: CountSerializer}, tags=["queues"])
    def delete(self, request: Request, queue_name: str) -> Response:
        return Response({"count": services.messages_clear_failed(business=request.business, queue=_queue(queue_name))})


class RetryFailedView(BusinessAPIView):
    """Send this business's failed messages of one queue again."""

    required_action = Action.MESSAGES_MANAGE

    @extend_schema(request=None, responses={200: CountSerializer}, tags=["queues"])
    def post(self, request: Request, queue_name: str) -> Response:
        return Response({"count": services.messages_retry_failed(business=request.business, queue=_queue(queue_name))})


class TestWhatsAppView(BusinessAPIView):
    """Send a test WhatsApp message to the business's own number (it counts toward the plan's messages)."""

    required_action = Action.MESSAGES_MANAGE

    @extend_schema(request=TestWhatsAppInputSerializer, responses={202: MessageSerializer}, tags=["queues"])
    def post(self, request: Request) -> Response:
        data = validated(TestWhatsAppInputSerializer, request.data)
        message = services.message_send_test(
            business=request.business,
            channel=Channel.WHATSAPP,
            recipient=data.get("recipient_whatsapp", ""),
            body=data.get("message_content", ""),
        )
        message.refresh_from_db()
        return Response(MessageSerializer(message).data, status=status.HTTP_202_ACCEPTED)


class TestEmailView(BusinessAPIView):
    """Send a test email to the owner's own login email."""

    required_action = Action.MESSAGES_MANAGE

    @extend_schema(request=TestEmailInputSerializer, responses={202: MessageSerializer}, tags=["queues"])
    def post(self, request: Request) -> Response:
        data = validated(TestEmailInputSerializer, request.data)
        message = services.message_send_test(
            business=request.business,
            channel=Channel.EMAIL,
            recipient=data.get("recipient_email", ""),
            body=data.get("body", ""),
            subject=data.get("subject", ""),
        )
        message.refresh_from_db()
        return Response(MessageSerializer(message).data, status=status.HTTP_202_ACCEPTED)


class MessageLogView(BusinessAPIView):
    """This business's messages, newest first."""

    required_action = Action.MESSAGES_MANAGE

    @extend_schema(
        parameters=[
            OpenApiParameter("page", int),
            OpenApiParameter("per_page", int),
            OpenApiParameter("status", str, enum=MessageStatus.values),
            OpenApiParameter("channel", str, enum=Channel.values),
            OpenApiParameter("queue", str, enum=Queue.values),
            OpenApiParameter("client_id", str),
        ],
        responses={200: MessageSerializer(many=True)},
        tags=["queues"],
    )
    def get(self, request: Request) -> Response:
        messages = selectors.message_list(business=request.business, filters=request.query_params)
        return Response(
            paginate(
                messages,
                request.query_params,
                key="messages",
                serialize=lambda rows: MessageSerializer(rows, many=True).data,
            )
        )


# --- Workers (AgendaZap staff only) ---------------------------------------------------------------------
class WorkersStatusView(APIView):
    """Celery workers answering a ping (staff only)."""

    required_action = Open.STAFF
    permission_classes = [IsAdminUser]

    @extend_schema(responses={200: OpenApiResponse(description="{mode, workers: {name: reply}}")}, tags=["queues"])
    def get(self, request: Request) -> Response:
        return Response(selectors.workers_status())


class WorkersControlView(APIView):
    """Make every worker start or stop consuming a queue (staff only)."""

    required_action = Open.STAFF
    permission_classes = [IsAdminUser]
    action = "add_consumer"

    @extend_schema(
        request=WorkerControlInputSerializer,
        responses={200: OpenApiResponse(description="Replies per worker")},
        tags=["queues"],
    )
    def post(self, request: Request) -> Response:
        data = validated(WorkerControlInputSerializer, request.data or {})
        queues = [data["queue"]] if data.get("queue") else Queue.values
        if celery_app.conf.task_always_eager:
            return Response({"detail": _("No broker: tasks run inline, there are no workers.")}, status=409)
        control = getattr(celery_app.control, self.action)
        replies = {queue: control(queue, reply=True, timeout=1.0) or [] for queue in queues}
        return Response({"queues": replies})


class WorkersStartView(WorkersControlView):
    action = "add_consumer"


class WorkersStopView(WorkersControlView):
    action = "cancel_consumer"


# --- Templates and settings -------------------------------------------------------------------------------
class TemplateListView(BusinessAPIView):
    """Every message text the business can edit (its own, or the default), with the placeholders."""

    required_action = Action.MESSAGES_MANAGE

    @extend_schema(responses={200: TemplateSerializer(many=True)}, tags=["notifications"])
    def get(self, request: Request) -> Response:
        rows = []
        for kind in EDITABLE_KINDS:
            for channel in Channel.values:
                subject, body, custom = services.template_get(business=request.business, kind=kind, channel=channel)
                rows.append({"kind": kind, "channel": channel, "subject": subject, "body": body, "is_custom": custom})
        return Response({"templates": rows, "placeholders": {key: str(label) for key, label in PLACEHOLDERS.items()}})


class TemplateDetailView(BusinessAPIView):
    """Change one message text (unknown placeholders are refused) or go back to the default."""

    required_action = Action.MESSAGES_MANAGE

    @extend_schema(request=TemplateInputSerializer, responses={200: TemplateSerializer}, tags=["notifications"])
    def put(self, request: Request, kind: str, channel: str) -> Response:
        data = validated(
            TemplateInputSerializer,
            request.data,
            check=lambda shaped: services.template_validate(
                kind=kind, channel=channel, body=shaped.get("body", ""), subject=shaped.get("subject", "")
            ),
        )
        template = services.template_save(
            business=request.business, kind=kind, channel=channel, body=data["body"], subject=data.get("subject", "")
        )
        return Response(
            {"kind": kind, "channel": channel, "subject": template.subject, "body": template.body, "is_custom": True}
        )

    @extend_schema(responses={204: None}, tags=["notifications"])
    def delete(self, request: Request, kind: str, channel: str) -> Response:
        services.template_reset(business=request.business, kind=kind, channel=channel)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TemplatePreviewView(BusinessAPIView):
    """Render a text (the one given, or the saved one) with an example booking."""

    required_action = Action.MESSAGES_MANAGE

    @extend_schema(request=TemplatePreviewInputSerializer, responses={200: PreviewSerializer}, tags=["notifications"])
    def post(self, request: Request, kind: str, channel: str) -> Response:
        if kind not in EDITABLE_KINDS or channel not in Channel.values:
            raise Http404
        data = validated(TemplatePreviewInputSerializer, request.data or {})
        preview = services.template_preview(
            business=request.business, kind=kind, channel=channel, body=data.get("body"), subject=data.get("subject")
        )
        return Response({"subject": preview.subject, "body": preview.body})


class NotificationSettingsView(BusinessAPIView):
    """Reminder times, follow-up delay and the owner's own notices."""

    required_action = Action.MESSAGES_MANAGE

    @extend_schema(responses={200: NotificationSettingsSerializer}, tags=["notifications"])
    def get(self, request: Request) -> Response:
        return Response(
            NotificationSettingsSerializer(services.notification_settings_get(business=request.business)).data
        )

    @extend_schema(
        request=NotificationSettingsSerializer, responses={200: NotificationSettingsSerializer}, tags=["notifications"]
    )
    def patch(self, request: Request) -> Response:
        serializer = NotificationSettingsSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        row = services.notification_settings_update(business=request.business, data=serializer.validated_data)
        return Response(NotificationSettingsSerializer(row).data)

    put = patch


# --- The WhatsApp webhook -----------------------------------------------------------------------------------
class WhatsAppWebhookView(APIView):
    """Meta's verification handshake (GET) and signed events (POST): statuses and clients' replies."""

    required_action = Open.PUBLIC
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("hub.mode", str),
            OpenApiParameter("hub.verify_token", str),
            OpenApiParameter("hub.challenge", str),
        ],
        responses={200: OpenApiResponse(description="The challenge, as plain text"), 403: None},
        tags=["webhooks"],
    )
    def get(self, request: Request) -> HttpResponse:
        params = request.query_params
        token = settings.WHATSAPP_VERIFY_TOKEN
        # Constant time, on bytes: compare_digest refuses non-ASCII str.
        supplied = params.get("hub.verify_token", "").encode()
        if params.get("hub.mode") == "subscribe" and token and hmac.compare_digest(supplied, token.encode()):
            return HttpResponse(params.get("hub.challenge", ""), content_type="text/plain")
        return HttpResponse(status=403)

    @extend_schema(
        request=None,
        responses={
            200: OpenApiResponse(description="Processed"),
            403: None,
            400: None,
            500: OpenApiResponse(description="Some event failed: send it again"),
        },
        tags=["webhooks"],
        description="Body signed with X-Hub-Signature-256 (HMAC-SHA256 of the raw body with WHATSAPP_APP_SECRET).",
    )
    def post(self, request: Request) -> Response:
        raw = request.body  # the exact bytes Meta signed: read before anything parses them
        if not inbound.signature_valid(raw, request.headers.get("X-Hub-Signature-256", "")):
            return Response({"detail": _("Invalid signature.")}, status=status.HTTP_403_FORBIDDEN)
        try:
            payload = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return Response({"detail": _("Malformed JSON.")}, status=status.HTTP_400_BAD_REQUEST)
        if not isinstance(payload, dict):
            return Response({"detail": _("Malformed JSON.")}, status=status.HTTP_400_BAD_REQUEST)
        if inbound.webhook_process(payload):
            # Meta delivers the whole batch again; what was handled is not done twice.
            return Response({"status": "retry"}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response({"status": "ok"})
