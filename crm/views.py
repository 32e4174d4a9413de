"""Dashboard pages of the client book: list, one client with its figures and history, edits,
deactivation and the LGPD erasure. Thin views over `crm.services` and `crm.selectors`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import Action, membership_for, permission_required, professional_scope
from accounts.tenancy import actor
from agendazap.errors import DomainError
from agendazap.events import Via
from agendazap.forms import add_domain_error, add_service_errors
from crm import selectors, services
from crm.forms import ClientActiveForm, ClientEraseForm, ClientFilterForm, ClientForm

CLIENTS_PER_PAGE = 25
HISTORY_PER_PAGE = 20


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
