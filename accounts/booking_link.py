"""The business's public links, written out absolute: its booking page (to share, and drawn as a QR code
to print) and its logo."""

import io

import segno
from django.conf import settings
from django.urls import reverse

from accounts.models import Business, BusinessLogo

QR_DARK = "#005236"  # the app's --color-primary-dark: scans like black, looks like the brand
QR_QUIET_ZONE = 4  # modules; the minimum the QR standard asks for


def booking_page_url(business: Business) -> str:
    return settings.PUBLIC_BASE_URL + reverse("public:business", args=[business.slug])


def business_logo_url(business: Business) -> str | None:
    """The logo's absolute public URL (it names the logo's version), or None without a logo. One query."""
    digest = BusinessLogo.objects.filter(business=business).values_list("digest", flat=True).first()
    if digest is None:
        return None
    version = BusinessLogo(digest=digest).version
    return settings.PUBLIC_BASE_URL + reverse("public:logo", args=[business.slug, version])


def booking_qr(url: str) -> segno.QRCode:
    return segno.make(url, micro=False)  # a Micro QR is smaller but many phone cameras cannot read it


def booking_qr_svg(url: str) -> str:
    """An SVG with a viewBox and no fixed size, so the page decides how big it prints."""
    out = io.BytesIO()
    booking_qr(url).save(
        out, kind="svg", dark=QR_DARK, light="#fff", border=QR_QUIET_ZONE, omitsize=True, xmldecl=False
    )
    return out.getvalue().decode()
