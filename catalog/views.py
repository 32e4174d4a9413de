"""Dashboard pages of the service catalog: services and their categories.

Thin views over `catalog.services` and `catalog.selectors`, the functions the API calls.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import Action, permission_required
from agendazap.errors import DomainError
from agendazap.forms import add_domain_error, add_rule_errors, add_service_errors
from catalog import selectors, services
from catalog.forms import CategoryForm, ServiceFilterForm, ServiceForm
from catalog.models import Service
from catalog.services import ServiceDeletion


def _status_of(*forms_) -> int:
    return 400 if any(form.errors for form in forms_ if form is not None) else 200


def _service_form(request: HttpRequest, data=None, *, initial=None) -> ServiceForm:
    business = request.business
    return ServiceForm(
        data,
        initial=initial,
        categories=list(selectors.category_list(business=business)),
        # Scheduling's professionals, reached through the business: catalog sits below scheduling.
        professionals=list(business.professionals.all()),
    )


@login_required
@permission_required(Action.SERVICES_VIEW)
@require_GET
def service_list(request: HttpRequest) -> HttpResponse:
    business = request.business
    form = ServiceFilterForm(request.GET, categories=list(selectors.category_list(business=business)))
    rows = []
    if form.is_valid():
        try:
            rows = list(selectors.service_list(business=business, filters=form.filters()))
        except ValidationError as exc:
            add_service_errors(form, exc)
    filtered = form.is_valid() and bool(form.filters())
    context = {"form": form, "services": rows, "filtered": filtered}
    return render(request, "catalog/service_list.html", context, status=_status_of(form))


def _save_service(request: HttpRequest, form: ServiceForm, service: Service | None) -> tuple[Service | None, int]:
    """Create or update through the service layer; return the service, or None and the status to answer."""
    try:
        if service is None:
            return services.service_create(business=request.business, data=form.service_data()), 201
        return services.service_update(service=service, data=form.service_data()), 200
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None, 400
    except DomainError as exc:
        return None, add_domain_error(form, exc)


def _check_rules(request: HttpRequest, form: ServiceForm, *, creating: bool) -> None:
    """Beside the typing errors, show what the catalog's rules say about the other fields."""
    add_rule_errors(
        form,
        lambda fields: services.service_validate(
            business=request.business, data=_rule_fields(fields), creating=creating
        ),
    )


def _rule_fields(fields: dict) -> dict:
    return {key: value for key, value in fields.items() if key != "performed_by"}


@login_required
@permission_required(Action.SERVICES_MANAGE)
@require_http_methods(["GET", "POST"])
def service_create(request: HttpRequest) -> HttpResponse:
    form = _service_form(request, request.POST if request.method == "POST" else None)
    status = None
    if request.method == "POST" and form.is_valid():
        service, status = _save_service(request, form, None)
        if service is not None:
            messages.success(request, _("Service “%(name)s” created.") % {"name": service.name})
            return redirect("dashboard:services")
    elif request.method == "POST":
        _check_rules(request, form, creating=True)
    context = {"form": form, "service": None}
    return render(request, "catalog/service_form.html", context, status=status or _status_of(form))


def _edit_page(request, service, *, form=None, delete_form=None, status=200) -> HttpResponse:
    context = {
        "form": form or _service_form(request, initial=ServiceForm.initial_for(service)),
        "service": service,
        "delete_form": delete_form or forms.Form(),
    }
    return render(request, "catalog/service_form.html", context, status=status)


@login_required
@permission_required(Action.SERVICES_MANAGE)
@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, service_id) -> HttpResponse:
    service = selectors.service_get(business=request.business, service_id=service_id)
    if request.method == "GET":
        return _edit_page(request, service)
    form = _service_form(request, request.POST)
    status = 400
    if form.is_valid():
        saved, status = _save_service(request, form, service)
        if saved is not None:
            messages.success(request, _("Service “%(name)s” saved.") % {"name": saved.name})
            return redirect("dashboard:services")
        service = selectors.service_get(business=request.business, service_id=service_id)
    else:
        _check_rules(request, form, creating=False)
    return _edit_page(request, service, form=form, status=status)


@login_required
@permission_required(Action.SERVICES_MANAGE)
@require_POST
def service_delete(request: HttpRequest, service_id) -> HttpResponse:
    service = selectors.service_get(business=request.business, service_id=service_id)
    delete_form = forms.Form(request.POST)
    try:
        outcome = services.service_delete(service=service)
    except ValidationError as exc:
        add_service_errors(delete_form, exc)
        return _edit_page(request, service, delete_form=delete_form, status=400)
    except DomainError as exc:
        status = add_domain_error(delete_form, exc)
        return _edit_page(request, service, delete_form=delete_form, status=status)
    if outcome == ServiceDeletion.ARCHIVED:
        messages.success(
            request,
            _("“%(name)s” had past appointments: it was deactivated and hidden, and its history stays.")
            % {"name": service.name},
        )
    else:
        messages.success(request, _("Service “%(name)s” deleted.") % {"name": service.name})
    return redirect("dashboard:services")


# --- Categories ----------------------------------------------------------------------------------
def _rename_prefix(category) -> str:
    # One rename form per row: the prefix keeps their field ids apart.
    return f"c{category.pk.hex}"


def _categories_page(request, *, form=None, edit_form=None, edit_id=None, status=200) -> HttpResponse:
    rows = [
        (
            category,
            edit_form
            if category.pk == edit_id
            else CategoryForm(initial={"name": category.name}, prefix=_rename_prefix(category)),
        )
        for category in selectors.category_list(business=request.business)
    ]
    context = {"rows": rows, "form": form or CategoryForm()}
    return render(request, "catalog/categories.html", context, status=status)


@login_required
@permission_required(Action.SERVICES_MANAGE)
@require_http_methods(["GET", "POST"])
def categories(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _categories_page(request)
    form = CategoryForm(request.POST)
    if form.is_valid():
        try:
            category = services.category_create(business=request.business, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Category “%(name)s” created.") % {"name": category.name})
            return redirect("dashboard:services-categories")
    return _categories_page(request, form=form, status=400)


@login_required
@permission_required(Action.SERVICES_MANAGE)
@require_POST
def category_edit(request: HttpRequest, category_id) -> HttpResponse:
    category = selectors.category_get(business=request.business, category_id=category_id)
    form = CategoryForm(request.POST, prefix=_rename_prefix(category))
    if form.is_valid():
        try:
            services.category_update(category=category, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Category renamed to “%(name)s”.") % {"name": category.name})
            return redirect("dashboard:services-categories")
    return _categories_page(request, edit_form=form, edit_id=category.pk, status=400)


@login_required
@permission_required(Action.SERVICES_MANAGE)
@require_POST
def category_delete(request: HttpRequest, category_id) -> HttpResponse:
    category = selectors.category_get(business=request.business, category_id=category_id)
    services.category_delete(category=category)
    messages.success(
        request, _("Category “%(name)s” deleted. Its services stay, without a category.") % {"name": category.name}
    )
    return redirect("dashboard:services-categories")
