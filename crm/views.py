"""Dashboard pages of the client book: list, one client with its figures and history, new clients,
edits, deactivation, the LGPD erasure, CSV import and export. Thin views over `crm.services` and
`crm.selectors`.
"""

import csv
import io
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import Action, membership_for, permission_required, professional_scope
from accounts.tenancy import actor
from agendazap.errors import DomainError
from agendazap.events import Via
from agendazap.forms import add_domain_error, add_rule_errors, add_service_errors
from agendazap.templatetags.dashboard import phone
from crm import selectors, services
from crm.forms import ClientActiveForm, ClientEraseForm, ClientFilterForm, ClientForm, ClientImportForm, ClientNewForm

CLIENTS_PER_PAGE = 25
HISTORY_PER_PAGE = 20
IMPORT_MAX_BYTES = 1024 * 1024
IMPORT_MAX_ROWS = 5000
EXPORT_HEADER = (
    "name",
    "whatsapp_e164",
    "whatsapp",
    "email",
    "total_appointments",
    "last_visit",
    "total_spent",
    "vip",
    "tags",
)
# Header names the import reads, first match wins: its own export (so a file round-trips, the
# E.164 column before the formatted one) and the Portuguese a spreadsheet made by hand uses.
IMPORT_COLUMNS = {
    "name": ("name", "nome", "cliente"),
    "phone": ("phone", "whatsapp_e164", "whatsapp", "telefone", "celular", "fone"),
    "email": ("email", "e-mail"),
}


@login_required
@permission_required(Action.CLIENTS_VIEW)
@require_GET
def client_list(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    data.setdefault("is_active", "true")
    form = ClientFilterForm(data)
    page = None
    if form.is_valid():
        try:
            clients = selectors.client_list(
                business=request.business,
                filters=form.filters(),
                professional_scope=professional_scope(membership_for(request)),
            )
            page = Paginator(clients, CLIENTS_PER_PAGE).get_page(request.GET.get("page"))
        except ValidationError as exc:
            add_service_errors(form, exc)
    context = {"form": form, "page": page, "searching": bool(form.is_valid() and form.cleaned_data["query"])}
    return render(request, "crm/client_list.html", context, status=400 if form.errors else 200)


def _detail(request: HttpRequest, client, *, active_form=None, status: int = 200) -> HttpResponse:
    history = selectors.client_history(client=client, professional_scope=professional_scope(membership_for(request)))
    history = Paginator(history, HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    context = {"client": client, "history": history, "active_form": active_form or ClientActiveForm()}
    return render(request, "crm/client_detail.html", context, status=status)


@login_required
@permission_required(Action.CLIENTS_VIEW)
@require_GET
def client_detail(request: HttpRequest, client_id) -> HttpResponse:
    client = selectors.client_get(
        business=request.business, client_id=client_id, professional_scope=professional_scope(membership_for(request))
    )
    return _detail(request, client)


@login_required
@permission_required(Action.CLIENTS_MANAGE)
@require_http_methods(["GET", "POST"])
def client_edit(request: HttpRequest, client_id) -> HttpResponse:
    client = selectors.client_get(business=request.business, client_id=client_id)
    if request.method == "GET":
        form = ClientForm(initial=ClientForm.initial_for(client))
        return render(request, "crm/client_form.html", {"form": form, "client": client})
    form = ClientForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.client_update(client=client, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except DomainError as exc:
            status = add_domain_error(form, exc)
        else:
            messages.success(request, _("Client saved."))
            return redirect("dashboard:clients-detail", client_id=client.pk)
        client = selectors.client_get(business=request.business, client_id=client_id)
    else:
        add_rule_errors(
            form, lambda fields: services.client_validate(business=request.business, data=fields, client=client)
        )
    return render(request, "crm/client_form.html", {"form": form, "client": client}, status=status)


@login_required
@permission_required(Action.CLIENTS_MANAGE)
@require_POST
def client_active(request: HttpRequest, client_id) -> HttpResponse:
    client = selectors.client_get(business=request.business, client_id=client_id)
    form = ClientActiveForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.client_update(client=client, data={"is_active": form.cleaned_data["is_active"]})
        except ValidationError as exc:
            add_service_errors(form, exc)
        except DomainError as exc:
            status = add_domain_error(form, exc)
        else:
            if client.is_active:
                messages.success(request, _("Client reactivated."))
            else:
                messages.success(request, _("Client deactivated. The history stays; a new booking reactivates them."))
            return redirect("dashboard:clients-detail", client_id=client.pk)
        client = selectors.client_get(business=request.business, client_id=client_id)
    return _detail(request, client, active_form=form, status=status)


@login_required
@permission_required(Action.CLIENTS_ERASE)
@require_http_methods(["GET", "POST"])
def client_erase(request: HttpRequest, client_id) -> HttpResponse:
    """Erase a client's personal data (LGPD) after an explicit confirmation; the figures stay."""
    client = selectors.client_get(business=request.business, client_id=client_id)
    form = ClientEraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.client_delete(client=client, actor=actor(request, via=Via.DASHBOARD), erase=True)
        messages.success(request, _("The client's personal data was erased. Their appointments stay in your figures."))
        return redirect("dashboard:clients-detail", client_id=client.pk)
    context = {"form": form, "client": client}
    return render(request, "crm/client_erase.html", context, status=400 if form.errors else 200)


@login_required
@permission_required(Action.CLIENTS_MANAGE)
@require_http_methods(["GET", "POST"])
def client_new(request: HttpRequest) -> HttpResponse:
    form = ClientNewForm(request.POST if request.method == "POST" else None)
    status = 400 if form.is_bound else 200
    if form.is_valid():
        try:
            client = services.client_create(business=request.business, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except DomainError as exc:
            status = add_domain_error(form, exc)
        else:
            messages.success(request, _("Client saved."))
            return redirect("dashboard:clients-detail", client_id=client.pk)
    elif form.is_bound:
        add_rule_errors(form, lambda fields: services.client_validate(business=request.business, data=fields))
    return render(request, "crm/client_new.html", {"form": form}, status=status)


@login_required
@permission_required(Action.CLIENTS_MANAGE)
@require_http_methods(["GET", "POST"])
def client_import(request: HttpRequest) -> HttpResponse:
    """Upload a CSV (name, phone, email); the page answers with the import's report."""
    is_post = request.method == "POST"
    form = ClientImportForm(request.POST if is_post else None, request.FILES if is_post else None)
    if not is_post:
        return render(request, "crm/client_import.html", {"form": form})
    rows = None
    if form.is_valid():
        try:
            rows = _import_rows(form.cleaned_data["file"])
        except ValidationError as exc:
            form.add_error("file", exc)
    if rows is None:
        return render(request, "crm/client_import.html", {"form": form}, status=400)
    report = services.clients_import(business=request.business, rows=rows)
    return render(request, "crm/client_import_report.html", {"report": report})


def _import_rows(upload) -> list[services.ImportRow]:
    """The upload's rows (UTF-8 with or without BOM, `,` or `;`), or a ValidationError about the file."""
    if upload.size > IMPORT_MAX_BYTES:
        raise ValidationError(_("The file is larger than 1 MB; split it in smaller files."))
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("Save the file as CSV in UTF-8 and send it again.")) from None
    try:
        return _csv_rows(text)
    except csv.Error:
        raise ValidationError(_("Save the file as CSV in UTF-8 and send it again.")) from None


def _csv_rows(text: str) -> list[services.ImportRow]:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [column.strip().lower() for column in next(reader, [])]
    columns = {}
    for field, names in IMPORT_COLUMNS.items():
        found = next((name for name in names if name in header), None)
        if found is not None:
            columns[field] = header.index(found)
    if "name" not in columns or "phone" not in columns:
        raise ValidationError(_("The first row must name the columns: name, phone, email."))
    rows = []
    for values in reader:
        if not any(value.strip() for value in values):
            continue
        if len(rows) == IMPORT_MAX_ROWS:
            raise ValidationError(_("The file has more than 5,000 clients; split it in smaller files."))
        cell = {name: values[index] if index < len(values) else "" for name, index in columns.items()}
        rows.append(
            services.ImportRow(
                line=reader.line_num, name=cell["name"], phone=cell["phone"], email=cell.get("email", "")
            )
        )
    return rows


class _Echo:
    """A file that hands back what is written: csv.writer then yields each line to stream."""

    def write(self, value: str) -> str:
        return value


@login_required
@permission_required(Action.CLIENTS_MANAGE)
@require_GET
def client_export(request: HttpRequest) -> StreamingHttpResponse:
    """Every client as CSV (UTF-8 with BOM, for spreadsheets), streamed in one query.

    Personal data in bulk: for those who manage the client book (owner, manager, receptionist),
    never for a professional, who sees only the clients it served, one by one."""
    writer = csv.writer(_Echo())
    # The lines are made after the view returns, when the request's time zone is gone.
    tz = ZoneInfo(request.business.timezone)
    clients = selectors.client_export_rows(business=request.business)

    def lines():
        yield "\ufeff" + writer.writerow(EXPORT_HEADER)
        for client in clients.iterator(chunk_size=500):
            yield writer.writerow(
                (
                    client.name,
                    client.whatsapp,
                    phone(client.whatsapp),
                    client.email,
                    client.total_appointments,
                    client.last_visit_at.astimezone(tz).date().isoformat() if client.last_visit_at else "",
                    f"{client.total_spent:.2f}",
                    "yes" if client.is_vip else "no",
                    ", ".join(client.tags or []),
                )
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="clientes.csv"'
    return response
