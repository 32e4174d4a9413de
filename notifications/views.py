"""The owner's messages in the dashboard: the log, the texts clients receive, and when they go."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import Action, permission_required
from agendazap.forms import add_rule_errors, add_service_errors
from notifications import selectors, services
from notifications.forms import MessageFilterForm, NotificationSettingsForm, RetryQueueForm, TemplateForm
from notifications.models import Channel, Kind
from notifications.services.texts import PLACEHOLDERS

MESSAGES_PER_PAGE = 25
EDITABLE_KINDS = [kind for kind in Kind if kind not in (Kind.REPLY, Kind.TEST, Kind.ACCOUNT)]


@login_required
@permission_required(Action.MESSAGES_MANAGE)
def message_log(request: HttpRequest) -> HttpResponse:
    form = MessageFilterForm(request.GET or None)
    page = None
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        status = 200
        filters = form.filters() if form.is_bound else {}
        page = Paginator(
            selectors.message_list(business=request.business, filters=filters), MESSAGES_PER_PAGE
        ).get_page(request.GET.get("page"))
    queues = selectors.queue_status(business=request.business)
    failed = selectors.failed_counts(business=request.business)
    context = {"form": form, "page": page, "queues": queues, "failed": failed}
    return render(request, "notifications/messages.html", context, status=status)


@login_required
@permission_required(Action.MESSAGES_MANAGE)
@require_POST
def retry_failed(request: HttpRequest) -> HttpResponse:
    form = RetryQueueForm(request.POST)
    if not form.is_valid():
        raise Http404
    count = services.messages_retry_failed(business=request.business, queue=form.cleaned_data["queue"])
    flash.success(
        request,
        ngettext("%(count)d message will be sent again.", "%(count)d messages will be sent again.", count)
        % {"count": count},
    )
    return redirect("dashboard:messages")


@login_required
@permission_required(Action.MESSAGES_MANAGE)
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    current = services.notification_settings_get(business=request.business)
    initial = {
        "reminder_hours": ", ".join(f"{minutes / 60:g}" for minutes in current.reminder_offsets_minutes),
        "follow_up_enabled": current.follow_up_enabled,
        "follow_up_delay_hours": current.follow_up_delay_minutes // 60,
        "notify_owner": current.notify_owner,
    }
    form = NotificationSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.notification_settings_update(
                business=request.business,
                data={
                    "reminder_offsets_minutes": data["reminder_hours"],
                    "follow_up_enabled": data["follow_up_enabled"],
                    "follow_up_delay_minutes": data["follow_up_delay_hours"] * 60,
                    "notify_owner": data["notify_owner"],
                },
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            flash.success(request, _("Message settings saved."))
            return redirect("dashboard:messages-settings")
    rows = []
    for kind in EDITABLE_KINDS:
        for channel in Channel:
            _subject, body, custom = services.template_get(business=request.business, kind=kind, channel=channel)
            rows.append({"kind": kind, "channel": channel, "body": body, "custom": custom})
    context = {"form": form, "templates": rows}
    return render(request, "notifications/settings.html", context, status=400 if form.errors else 200)


@login_required
@permission_required(Action.MESSAGES_MANAGE)
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, kind: str, channel: str) -> HttpResponse:
    if kind not in [k.value for k in EDITABLE_KINDS] or channel not in Channel.values:
        raise Http404
    subject, body, custom = services.template_get(business=request.business, kind=kind, channel=channel)
    form = TemplateForm(request.POST or None, initial={"subject": subject, "body": body})
    preview = None
    status = 200
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action")
        try:
            if action == "reset":
                services.template_reset(business=request.business, kind=kind, channel=channel)
                flash.success(request, _("Back to the default text."))
                return redirect("dashboard:messages-template", kind=kind, channel=channel)
            if action == "preview":
                preview = services.template_preview(
                    business=request.business, kind=kind, channel=channel, **_texts(form.cleaned_data)
                )
            else:
                services.template_save(
                    business=request.business, kind=kind, channel=channel, **_texts(form.cleaned_data)
                )
                flash.success(request, _("Text saved."))
                return redirect("dashboard:messages-settings")
        except ValidationError as exc:
            add_service_errors(form, exc)
    elif request.method == "POST":
        add_rule_errors(
            form,
            lambda fields: services.template_validate(
                kind=kind, channel=channel, body=fields.get("body", ""), subject=fields.get("subject", "")
            ),
        )
    if form.errors:
        status = 400
    context = {
        "form": form,
        "kind": Kind(kind),
        "channel": Channel(channel),
        "custom": custom,
        "preview": preview,
        "placeholders": PLACEHOLDERS,
    }
    return render(request, "notifications/template_form.html", context, status=status)


def _texts(data: dict) -> dict:
    return {"body": data["body"], "subject": data.get("subject", "")}
