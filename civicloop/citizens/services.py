"""Citizen sign-in with a one-time SMS code, the citizen session, and the links from citizens to cases.

A code is asked for (`request_code`), sent through the notify outbox as an SMS, and entered
(`verify_code`). Limits hold across every app server because they are counted in the database:
per number one code a minute and five an hour, per address twenty an hour (all configurable). Each
code allows five wrong tries and one use, and only the newest code of a number counts.
"""
from __future__ import annotations

import logging
import math
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from django.conf import settings
from django.contrib import auth
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.middleware.csrf import rotate_token
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from civicloop.cases import services as cases
from civicloop.cases.rules import State
from civicloop.citizens.models import Citizen, CitizenReport, LoginCode, Rating, mask_phone
from civicloop.core import throttle
from civicloop.core.errors import ActionNotAllowed, Conflict, Forbidden, InvalidInput, ServiceError
from civicloop.notify import services as notify

log = logging.getLogger("civicloop.citizens")
SESSION_KEY = "citizen_id"
MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
CODE = re.compile(r"^[0-9]{6}$")
# Ten characters a person can read out and type back: no 0/O, no 1/I. 32 symbols → 50 bits.
TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
TRACKING_LENGTH = 10
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


class TooManyRequests(ServiceError):
    status = 429
    code = "rate_limited"


@dataclass(frozen=True)
class CodeSent:
    phone: str  # masked
    expires_in: int  # seconds
    resend_in: int  # seconds until another code may be asked for


# ------------------------------------------------------------------------------ phone numbers


def normalise_phone(raw: str) -> str:
    """A mainland mobile number as 11 digits; accepts spaces, dashes, +86/0086 and full-width digits."""
    text = unicodedata.normalize("NFKC", raw or "")
    digits = re.sub(r"[\s\-()]", "", text)
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix):]
            break
    if not MOBILE.match(digits):
        raise InvalidInput.field("phone", "请输入正确的手机号 / enter a valid mobile number")
    return digits


# ------------------------------------------------------------------------------ codes


def _digest(phone: str, code: str) -> str:
    return salted_hmac("civicloop.citizens.LoginCode", f"{phone}:{code}", algorithm="sha256").hexdigest()


def request_code(phone: str, ip: str, *, now: datetime | None = None) -> CodeSent:
    """Send a new sign-in code by SMS, or raise InvalidInput (bad number) / TooManyRequests."""
    phone, ip, now = normalise_phone(phone), (ip or "")[:45], now or timezone.now()
    ttl = settings.CITIZEN_CODE_TTL_SECONDS
    with transaction.atomic():
        _serialise("citizen-code-phone", phone)
        _serialise("citizen-code-ip", ip)
        _check_limits(phone, ip, now)
        code = f"{secrets.randbelow(10**6):06d}"
        expires_at = now + timedelta(seconds=ttl)
        LoginCode.objects.create(phone=phone, code_hash=_digest(phone, code), created_at=now, expires_at=expires_at, ip=ip)
        notify.enqueue_sms(phone=phone, template="login_code", params={"code": code, "minutes": max(1, ttl // 60)},
                           subject="登录验证码 sign-in code", expires_at=expires_at)
    return CodeSent(phone=mask_phone(phone), expires_in=ttl, resend_in=settings.CITIZEN_CODE_INTERVAL_SECONDS)


def _serialise(kind: str, key: str) -> None:
    """Two requests for the same number (or address) at once are counted one after the other.
    SQLite needs nothing: its transactions take the write lock at BEGIN (IMMEDIATE)."""
    if key and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{kind}:{key}"])


def _check_limits(phone: str, ip: str, now: datetime) -> None:
    # A number or an address locked for wrong codes gets no new code either: the code could not be
    # used, and each SMS costs money (security probe finding).
    _refuse_if_locked(phone, ip, now)
    interval = timedelta(seconds=settings.CITIZEN_CODE_INTERVAL_SECONDS)
    per_phone, per_ip = settings.CITIZEN_CODES_PER_PHONE_HOUR, settings.CITIZEN_CODES_PER_IP_HOUR
    sent = list(LoginCode.objects.filter(phone=phone, created_at__gt=now - HOUR)
                .order_by("-created_at").values_list("created_at", flat=True)[:per_phone])
    if sent and sent[0] + interval > now:
        _too_many(sent[0] + interval - now, "获取验证码太频繁", "codes are asked for too often")
    if len(sent) >= per_phone:
        _too_many(sent[-1] + HOUR - now, "该手机号获取验证码次数过多", "too many codes for this number")
    if not ip:
        return
    from_ip = list(LoginCode.objects.filter(ip=ip, created_at__gt=now - HOUR)
                   .order_by("-created_at").values_list("created_at", flat=True)[:per_ip])
    if len(from_ip) >= per_ip:
        _too_many(from_ip[-1] + HOUR - now, "此网络获取验证码次数过多", "too many codes from this network")


def _too_many(wait: timedelta, zh: str, en: str) -> NoReturn:
    seconds = max(1, math.ceil(wait.total_seconds()))
    if seconds < 120:
        words = f"{zh}，请{seconds}秒后再试 / {en}; try again in {seconds} seconds"
    else:
        minutes = math.ceil(seconds / 60)
        words = f"{zh}，请{minutes}分钟后再试 / {en}; try again in {minutes} minutes"
    raise TooManyRequests(words, retry_after=seconds)


TOO_MANY_WRONG = "验证码错误次数过多，请重新获取 / too many wrong codes; request a new one"
USED = "验证码已使用，请重新获取 / this code has been used; request a new one"
EXPIRED = "验证码已过期，请重新获取 / this code has expired; request a new one"


def verify_code(phone: str, code: str, ip: str = "", *, now: datetime | None = None) -> Citizen:
    """The citizen for a right code (created at the first sign-in), or InvalidInput saying why not.

    Wrong tries are committed as they happen: do not call this inside a transaction that rolls back."""
    phone, now = normalise_phone(phone), now or timezone.now()
    code = re.sub(r"\s", "", unicodedata.normalize("NFKC", code or ""))
    if not CODE.match(code):
        raise InvalidInput.field("code", "请输入6位数字验证码 / enter the 6-digit code")
    _refuse_if_locked(phone, ip, now)
    login = LoginCode.objects.filter(phone=phone).order_by("-created_at", "-id").first()
    if login is None:
        raise _code_error("请先获取验证码 / request a code first")
    _take_a_try(login, now)
    if not constant_time_compare(login.code_hash, _digest(phone, code)):
        _refuse_wrong(login, ip)
    with transaction.atomic():
        # The code's one use: of two sign-ins with the same code at once, one UPDATE matches.
        # (The right code does not count as a wrong try.)
        if not LoginCode.objects.filter(pk=login.pk, used_at__isnull=True).update(used_at=now, attempts=F("attempts") - 1):
            raise _code_error(USED)
        return _citizen_for(phone, now)


def _take_a_try(login: LoginCode, now: datetime) -> None:
    """A try is taken before comparing, in one conditional UPDATE: guesses sent in parallel can never
    test the code more times than the limit allows."""
    _refuse_dead(login, now)
    live = LoginCode.objects.filter(pk=login.pk, used_at__isnull=True, expires_at__gt=now,
                                    attempts__lt=settings.CITIZEN_CODE_MAX_ATTEMPTS)
    if not live.update(attempts=F("attempts") + 1):
        login.refresh_from_db()  # another request used it up a moment ago
        _refuse_dead(login, now)
        raise _code_error(TOO_MANY_WRONG)


def _refuse_if_locked(phone: str, ip: str, now: datetime) -> None:
    """Lockout: each code allows a few tries, but new codes keep coming; wrong tries are
    also counted per number over a day (a slow guesser from many addresses) and per address over
    an hour (one address guessing many numbers). Counted in the database: every app server agrees.
    A locked number or address can neither enter a code nor be sent one; TooManyRequests says until when."""
    until = _phone_locked_until(phone, now)
    if until is not None:
        _locked(until, now, for_number=True)
    until = _address_locked_until(ip, now)
    if until is not None:
        _locked(until, now, for_number=False)


def _phone_locked_until(phone: str, now: datetime) -> datetime | None:
    """The wrong tries on the number's codes of the last day reach the limit: the lock ends a day after
    the code whose tries, added to those of all newer codes, reached it (then it drops out of the day)."""
    limit = settings.CITIZEN_WRONG_CODES_PER_PHONE_DAY
    wrong = 0
    for created_at, attempts in (LoginCode.objects.filter(phone=phone, created_at__gt=now - DAY, attempts__gt=0)
                                 .order_by("-created_at").values_list("created_at", "attempts")):
        wrong += attempts
        if wrong >= limit:
            return created_at + DAY
    return None


def _address_locked_until(ip: str, now: datetime) -> datetime | None:
    if not ip:
        return None
    first = throttle.oldest_within(f"citizen-code-ip:{ip}", HOUR, settings.CITIZEN_WRONG_CODES_PER_IP_HOUR, now=now)
    return first + HOUR if first else None


def _locked(until: datetime, now: datetime, *, for_number: bool) -> NoReturn:
    """The person is told the local time from which to try again ("明天 08:30 后再试"), rounded up to
    the minute so that the time said is never too early."""
    shown = timezone.localtime(until)
    if shown.second or shown.microsecond:
        shown = shown.replace(second=0, microsecond=0) + timedelta(minutes=1)
    days = (shown.date() - timezone.localtime(now).date()).days
    clock = f"{shown:%H:%M}" if days in (0, 1) else f"{shown:%m-%d %H:%M}"
    if days == 1:
        message = (_("Too many wrong codes for this number. Try again after %(time)s tomorrow.") if for_number
                   else _("Too many wrong codes from this network. Try again after %(time)s tomorrow."))
    else:
        message = (_("Too many wrong codes for this number. Try again after %(time)s.") if for_number
                   else _("Too many wrong codes from this network. Try again after %(time)s."))
    raise TooManyRequests(message % {"time": clock}, retry_after=max(1, math.ceil((until - now).total_seconds())))


def _refuse_wrong(login: LoginCode, ip: str) -> NoReturn:
    if ip:
        throttle.hit(f"citizen-code-ip:{ip}")
    left = settings.CITIZEN_CODE_MAX_ATTEMPTS - LoginCode.objects.values_list("attempts", flat=True).get(pk=login.pk)
    log.info("wrong sign-in code for %s from %s (%s tries left)", mask_phone(login.phone), ip or "-", max(0, left))
    if left <= 0:
        raise _code_error(TOO_MANY_WRONG)
    raise _code_error(f"验证码错误，还可以再试{left}次 / wrong code; {left} tries left")


def _code_error(message: str) -> InvalidInput:
    return InvalidInput.field("code", message)


def _refuse_dead(login: LoginCode, now: datetime) -> None:
    if login.used_at is not None:
        raise _code_error(USED)
    if login.attempts >= settings.CITIZEN_CODE_MAX_ATTEMPTS:
        raise _code_error(TOO_MANY_WRONG)
    if login.expires_at <= now:
        raise _code_error(EXPIRED)


def _citizen_for(phone: str, now: datetime) -> Citizen:
    citizen, _ = Citizen.objects.get_or_create(phone=phone)
    if not citizen.active:
        raise Forbidden("该账号已停用，请联系城市管理部门 / this account has been disabled")
    citizen.last_seen_at = now
    citizen.save(update_fields=["last_seen_at"])
    return citizen


# ------------------------------------------------------------------------------ the session


def sign_in(request, citizen: Citizen) -> None:
    """A citizen session is never a staff session: a staff member signed in here is signed out."""
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        auth.logout(request)  # flushes the session
    else:
        request.session.cycle_key()  # a new session id at sign-in (no session fixation)
    rotate_token(request)  # and a new CSRF token, as Django's own login does
    request.session[SESSION_KEY] = citizen.pk
    request._citizen = citizen


def sign_out(request) -> None:
    if auth.SESSION_KEY in request.session:  # a staff login made later in this browser stays
        request.session.pop(SESSION_KEY, None)
    else:
        request.session.flush()
    request._citizen = None


def current_citizen(request) -> Citizen | None:
    """The signed-in, active citizen, or None. A session that also carries a staff login is not a
    citizen session (staff and citizens never mix)."""
    if hasattr(request, "_citizen"):
        return request._citizen
    citizen = None
    pk = request.session.get(SESSION_KEY)
    if pk is not None and auth.SESSION_KEY not in request.session:
        citizen = Citizen.objects.filter(pk=pk, active=True).first()
    request._citizen = citizen
    return citizen


# ------------------------------------------------------------------------------ citizens and cases


CODES_KEPT = timedelta(days=1)  # far past every limit's window (an hour): older codes count for nothing


def forget_old_codes(*, now: datetime | None = None, batch: int = 5000) -> int:
    """Delete sign-in codes nobody needs any more (they hold a phone number); returns how many."""
    cutoff = (now or timezone.now()) - CODES_KEPT
    ids = list(LoginCode.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:batch])
    return LoginCode.objects.filter(pk__in=ids).delete()[0] if ids else 0


def bind_wechat(citizen: Citizen, openid: str) -> None:
    """One WeChat account per citizen: binding it here unbinds it from any other citizen (the same
    person signed in with a new number), in one transaction."""
    openid = (openid or "").strip()
    if not openid or len(openid) > 64:
        raise InvalidInput.field("openid", "微信返回的身份无效 / WeChat returned no valid identity")
    with transaction.atomic():
        Citizen.objects.filter(wechat_openid=openid).exclude(pk=citizen.pk).update(wechat_openid="")
        citizen.wechat_openid = openid
        citizen.save(update_fields=["wechat_openid"])


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def normalise_tracking_code(raw: str) -> str:
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", raw or "")).upper()


def link_reporter(case, *, citizen: Citizen | None = None) -> CitizenReport:
    """The reporter's link, inside the transaction that creates the case. Without a citizen (an
    anonymous report) the link gets a tracking code to show the reporter once."""
    if citizen is not None:
        return CitizenReport.objects.create(case=case, citizen=citizen)
    for _ in range(3):
        try:
            with transaction.atomic():
                return CitizenReport.objects.create(case=case, tracking_code=new_tracking_code())
        except IntegrityError:
            if CitizenReport.objects.filter(case=case, followed=False).exists():
                raise
    raise RuntimeError("no free tracking code after 3 tries")  # 2^50 codes: never in practice


def find_by_tracking_code(raw: str) -> CitizenReport | None:
    code = normalise_tracking_code(raw)
    if len(code) != TRACKING_LENGTH:
        return None
    return CitizenReport.objects.select_related("case").filter(tracking_code=code).first()


def follow(case, citizen: Citizen) -> CitizenReport:
    """Follow someone else's case; following one's own report changes nothing."""
    link, _ = CitizenReport.objects.get_or_create(case=case, citizen=citizen, defaults={"followed": True})
    return link


def unfollow(case, citizen: Citizen) -> None:
    CitizenReport.objects.filter(case=case, citizen=citizen, followed=True).delete()


# ------------------------------------------------------------------------------ rating after closure


@dataclass(frozen=True)
class Rated:
    rating: Rating
    reopened: bool
    message: str


def rate_case(case, citizen: Citizen, *, stars, fixed: bool, comment: str = "", now: datetime | None = None) -> Rated:
    """评价 by the reporter. “没有解决” within the window sends the case back for 返工 through the
    workflow, at most CITIZEN_REOPEN_MAX times a case (after that the rating is kept and the
    citizen is pointed to the hotline), so one person cannot keep a case open for ever."""
    now = now or timezone.now()
    if not CitizenReport.objects.filter(case=case, citizen=citizen, followed=False).exists():
        raise Forbidden("只有上报人可以评价 / only the reporter can rate this case")
    if case.state != State.CLOSED or case.closed_at is None:
        raise InvalidInput.field("stars", "案件办结后才能评价 / a case can be rated once it is closed")
    stars = _stars(stars)
    comment = (comment or "").strip()[:500]
    if Rating.objects.filter(case=case, citizen=citizen, closed_at=case.closed_at).exists():
        raise Conflict("您已评价过这次办理结果 / you have already rated this result")
    with transaction.atomic():
        rating = Rating.objects.create(case=case, citizen=citizen, closed_at=case.closed_at, stars=stars,
                                       fixed=bool(fixed), comment=comment)
        reopened, message = False, "感谢您的评价 / thank you for rating"
        if not fixed:
            reopened, message = _reopen(case, citizen, comment, now)
        if reopened:
            rating.reopened = True
            rating.save(update_fields=["reopened"])
    return Rated(rating, reopened, message)


def _stars(value) -> int:
    try:
        stars = int(value)
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        raise InvalidInput.field("stars", "请选择1到5星 / pick 1 to 5 stars")
    return stars


def _reopen(case, citizen, comment: str, now) -> tuple[bool, str]:
    earlier = Rating.objects.filter(case=case, reopened=True).count()
    if earlier >= settings.CITIZEN_REOPEN_MAX:
        return False, (f"本案已因未解决重新办理{earlier}次，已记录您的评价；如仍未解决请拨打12345热线 / "
                       f"reopened {earlier} times already; your rating is kept — please call the 12345 hotline")
    try:
        cases.reopen_by_reporter(case, citizen_id=citizen.pk, now=now,
                                 reason=f"市民反映问题未解决：{comment}" if comment else "市民反映问题未解决")
    except ActionNotAllowed as exc:
        return False, f"已记录您的评价；{exc.message}"
    return True, "已重新交办处理，请留意进度 / sent back to be fixed; follow its progress here"
