"""New staff accounts start without a password and get a one-time link to set their own.

Why a link and not a printed list of initial passwords: nobody but the person ever knows the password
(the administrator, the spreadsheet, the printer and the e-mail that carries the list never hold a
working credential); the link works once — the token is an HMAC over the account's password hash, so
setting a password voids it — and expires (PASSWORD_RESET_TIMEOUT, three days by default); until it is
used the account cannot sign in at all, so a link that is lost or never sent leaves no open door. It is
what Django's own password reset, Google Workspace and most single-sign-on products do for new users.
No link is stored: a fresh one is made whenever the import is run again, while the account has none.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from civicloop.org.models import User


class InviteTokens(PasswordResetTokenGenerator):
    # Its own salt: a password-reset token is no invitation and the other way round.
    key_salt = "civicloop.setupdata.invites.InviteTokens"


tokens = InviteTokens()


def needs_link(user: User) -> bool:
    return user.is_active and not user.has_usable_password()


def link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("setupdata:set_password", kwargs={"uidb64": uid, "token": tokens.make_token(user)})
    return settings.PUBLIC_URL + path


def invited_user(uidb64: str, token: str) -> User | None:
    """The account this link is for, while it still has no password; None for any bad or used link."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, UnicodeDecodeError):
        return None
    user = User.objects.filter(pk=pk).first()
    if user is None or not needs_link(user) or not tokens.check_token(user, token):
        return None
    return user


def set_first_password(user: User, password: str) -> None:
    """The one door for an invited account's first password (the form has run the validators)."""
    with transaction.atomic():
        # Locked and checked again: two tabs with the same link cannot both set a password.
        fresh = User.objects.select_for_update().get(pk=user.pk)
        if fresh.has_usable_password():
            raise ValueError("the account already has a password")
        fresh.set_password(password)
        fresh.save(update_fields=["password"])
