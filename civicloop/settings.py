"""Django settings. Every key is read here, once, from the environment (.env.example lists them)."""
from __future__ import annotations

from pathlib import Path

import dj_database_url

from civicloop import env
from civicloop.lib import codes

BASE_DIR = Path(__file__).resolve().parent
DEV_SECRET = "civicloop-development-only-secret-do-not-use-in-production"

ENVIRONMENT = env.text("CIVICLOOP_ENV", "development")  # development | test | production
DATA_DIR = Path(env.text("CIVICLOOP_DATA_DIR", str(Path.cwd() / "var"))).resolve()
SECRET_KEY = env.text("CIVICLOOP_SECRET_KEY", DEV_SECRET)
# Off unless asked for: Django's debug pages list every URL and show tracebacks, and the demo is what
# people try first and what many deploy.
DEBUG = env.boolean("CIVICLOOP_DEBUG", False)
ALLOWED_HOSTS = env.listing("CIVICLOOP_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])

if ENVIRONMENT == "production":
    if SECRET_KEY == DEV_SECRET or len(SECRET_KEY) < 40:
        raise env.ConfigError("CIVICLOOP_SECRET_KEY must be set to a long random value in production")
    if DEBUG:
        raise env.ConfigError("CIVICLOOP_DEBUG must be off in production")

# --- the city -----------------------------------------------------------------------------
# The deployment's root division and everything below it: a province (2 digits), a prefecture-level
# city (4) or a county-level unit (6). CIVICLOOP_CITY_CODE is the older name of the same key.
JURISDICTION = env.text("CIVICLOOP_JURISDICTION", env.text("CIVICLOOP_CITY_CODE", "532503")).strip()
if codes.jurisdiction_code_problem(JURISDICTION):
    raise env.ConfigError(f"CIVICLOOP_JURISDICTION: expected a 2-, 4- or 6-digit division code, got {JURISDICTION!r}")
CITY_CODE = JURISDICTION  # the older name, for code that still reads it
# Two-level command (cases/command.py): the stages the city centre keeps for every case even where a
# district has its own command centre. Empty: 两级监督两级指挥 (districts file, dispatch, decide, close);
# "intake,close": 一级监督两级指挥 (the city files and closes, districts dispatch).
CITY_STAGES = frozenset(env.listing("CIVICLOOP_CITY_STAGES", []))
if CITY_STAGES - {"intake", "dispatch", "close"}:
    raise env.ConfigError(f"CIVICLOOP_CITY_STAGES: expected some of intake, dispatch, close; got {sorted(CITY_STAGES)}")
CITY_NAME = env.text("CIVICLOOP_CITY_NAME", "蒙自市")
WORK_PERIODS = env.text("CIVICLOOP_WORK_PERIODS", "08:30-12:00,14:30-18:00")
WARN_FRACTION = env.number("CIVICLOOP_WARN_FRACTION", 0.8, low=0.05, high=0.99)
REOPEN_WINDOW_DAYS = env.integer("CIVICLOOP_REOPEN_WINDOW_DAYS", 7, minimum=0)
DESCRIPTION_MAX = env.integer("CIVICLOOP_DESCRIPTION_MAX", 4000, minimum=100)
# How stale another process's cached grids/configuration may be before it re-checks the database.
CACHE_RECHECK_SECONDS = env.number("CIVICLOOP_CACHE_RECHECK_SECONDS", 1.0, low=0.0, high=3600)
ATTACHMENT_MAX_BYTES = env.integer("CIVICLOOP_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
# Photos: refused above this many pixels before decoding (decompression bombs; Pillow itself stops at
# 178 million); the copy others see is shrunk to this long side; GPS, time and camera kept for staff.
IMAGE_MAX_PIXELS = env.integer("CIVICLOOP_IMAGE_MAX_PIXELS", 40_000_000, minimum=1_000_000)
IMAGE_MAX_SIDE = env.integer("CIVICLOOP_IMAGE_MAX_SIDE", 2560, minimum=640)
IMAGE_KEEP_PRIVATE_META = env.boolean("CIVICLOOP_IMAGE_KEEP_PRIVATE_META", True)
# worker: a large photo is checked in the request and made safe by the background worker (the
# request stays fast under load); inline: every photo is processed in the request (tests, no worker).
IMAGE_PROCESSING = env.choice("CIVICLOOP_IMAGE_PROCESSING", ("worker", "inline"),
                              "inline" if ENVIRONMENT == "test" else "worker")
# Photos up to this many pixels are processed in the request even with the worker: that is cheap.
IMAGE_INLINE_MAX_PIXELS = env.integer("CIVICLOOP_IMAGE_INLINE_MAX_PIXELS", 3_200_000, minimum=0)
NOTIFY_BACKEND = env.text("CIVICLOOP_NOTIFY_BACKEND", "console")  # console | null
# SMS (channel "sms" of the outbox): console | null | aliyun (阿里云短信) | tencent (腾讯云短信).
SMS_BACKEND = env.text("CIVICLOOP_SMS_BACKEND", "console")
SMS_ACCESS_KEY_ID = env.text("CIVICLOOP_SMS_ACCESS_KEY_ID", "")  # Aliyun AccessKeyId / Tencent SecretId
SMS_ACCESS_KEY_SECRET = env.text("CIVICLOOP_SMS_ACCESS_KEY_SECRET", "")  # AccessKeySecret / SecretKey
SMS_SIGN_NAME = env.text("CIVICLOOP_SMS_SIGN_NAME", "")  # 短信签名, approved by the provider
SMS_APP_ID = env.text("CIVICLOOP_SMS_APP_ID", "")  # Tencent SmsSdkAppId
SMS_REGION = env.text("CIVICLOOP_SMS_REGION", "")  # empty: cn-hangzhou (Aliyun) / ap-guangzhou (Tencent)
SMS_ENDPOINT = env.text("CIVICLOOP_SMS_ENDPOINT", "")  # empty: the provider's public endpoint


def _sms_templates(key: str) -> dict[str, str]:
    pairs = [item.split("=", 1) for item in env.listing(key, [])]
    if any(len(pair) != 2 or not all(part.strip() for part in pair) for pair in pairs):
        raise env.ConfigError(f"{key}: expected name=provider_template_id pairs, e.g. login_code=SMS_123456789")
    return {name.strip(): template_id.strip() for name, template_id in pairs}


# Our template name (login_code, case_closed) → the template id the provider approved (SMS_… / 1234567).
SMS_TEMPLATES = _sms_templates("CIVICLOOP_SMS_TEMPLATES")
if SMS_BACKEND not in ("console", "null", "aliyun", "tencent"):
    raise env.ConfigError(f"CIVICLOOP_SMS_BACKEND={SMS_BACKEND!r}: expected console, null, aliyun or tencent")
if SMS_BACKEND in ("aliyun", "tencent"):
    # Nothing outside production may text a real person (a production .env copied to a laptop).
    if ENVIRONMENT != "production":
        raise env.ConfigError(f"CIVICLOOP_SMS_BACKEND={SMS_BACKEND} sends real messages: only with CIVICLOOP_ENV=production")
    _sms_needed = {"CIVICLOOP_SMS_ACCESS_KEY_ID": SMS_ACCESS_KEY_ID, "CIVICLOOP_SMS_ACCESS_KEY_SECRET": SMS_ACCESS_KEY_SECRET,
                   "CIVICLOOP_SMS_SIGN_NAME": SMS_SIGN_NAME, "CIVICLOOP_SMS_TEMPLATES": SMS_TEMPLATES.get("login_code")}
    if SMS_BACKEND == "tencent":
        _sms_needed["CIVICLOOP_SMS_APP_ID"] = SMS_APP_ID
    _sms_missing = [key for key, value in _sms_needed.items() if not value]
    if _sms_missing:
        raise env.ConfigError(f"CIVICLOOP_SMS_BACKEND={SMS_BACKEND} needs {', '.join(_sms_missing)} (templates: login_code=…)")
# WeChat (微信公众号): template messages to citizens who bound their account, instead of SMS.
# console | null | official. Keyword names differ per chosen template: our parameter → its keyword.
WECHAT_BACKEND = env.choice("CIVICLOOP_WECHAT_BACKEND", ("console", "null", "official"), "console")
WECHAT_APP_ID = env.text("CIVICLOOP_WECHAT_APP_ID", "")
WECHAT_APP_SECRET = env.text("CIVICLOOP_WECHAT_APP_SECRET", "")
WECHAT_TEMPLATES = _sms_templates("CIVICLOOP_WECHAT_TEMPLATES")  # case_filed=<template id>, …
WECHAT_FIELDS = dict(pair.split("=", 1) for pair in env.listing(
    "CIVICLOOP_WECHAT_FIELDS", ["reference=character_string1", "status=phrase2", "time=time3"]) if "=" in pair)
if WECHAT_BACKEND == "official":
    if ENVIRONMENT != "production":
        raise env.ConfigError("CIVICLOOP_WECHAT_BACKEND=official sends real messages: only with CIVICLOOP_ENV=production")
    if not (WECHAT_APP_ID and WECHAT_APP_SECRET and WECHAT_TEMPLATES):
        raise env.ConfigError("CIVICLOOP_WECHAT_BACKEND=official needs CIVICLOOP_WECHAT_APP_ID, _APP_SECRET and _TEMPLATES")
# Sent and failed messages (phone numbers, openids) are deleted this many days after they were queued.
DELIVERY_KEEP_DAYS = env.integer("CIVICLOOP_DELIVERY_KEEP_DAYS", 90, minimum=1)
# A public map of cases at /m/map/ (category, plain status, day and place; never a description,
# photo, name or phone). Off unless the city turns it on.
PUBLIC_MAP = env.boolean("CIVICLOOP_PUBLIC_MAP", False)
PUBLIC_MAP_DAYS = env.integer("CIVICLOOP_PUBLIC_MAP_DAYS", 30, minimum=1)
# Whether others (followers, the nearby list, Open311) may read a citizen's description and see the
# photos: never (unless staff mark the case public), or once the centre has filed it (立案 as the
# screening). docs/security.md; cases.publicity applies it.
CITIZEN_REPORTS_PUBLIC = env.choice("CIVICLOOP_CITIZEN_REPORTS_PUBLIC", ("never", "after_filing"), "never")
# The address citizens reach the site at, for links in messages (WeChat opens them).
PUBLIC_URL = env.text("CIVICLOOP_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# Citizens sign in with a one-time SMS code: its life, wrong tries, and how often one may be asked for.
# How many times citizens' “没有解决” may reopen one case; after that the rating is kept and the
# citizen is pointed to the hotline (a person, not a loop).
CITIZEN_REOPEN_MAX = env.integer("CIVICLOOP_CITIZEN_REOPEN_MAX", 2, minimum=0)
CITIZEN_CODE_TTL_SECONDS = env.integer("CIVICLOOP_CITIZEN_CODE_TTL_SECONDS", 300, minimum=60)
CITIZEN_CODE_MAX_ATTEMPTS = env.integer("CIVICLOOP_CITIZEN_CODE_MAX_ATTEMPTS", 5, minimum=1)
CITIZEN_CODE_INTERVAL_SECONDS = env.integer("CIVICLOOP_CITIZEN_CODE_INTERVAL_SECONDS", 60, minimum=0)
CITIZEN_CODES_PER_PHONE_HOUR = env.integer("CIVICLOOP_CITIZEN_CODES_PER_PHONE_HOUR", 5, minimum=1)
CITIZEN_CODES_PER_IP_HOUR = env.integer("CIVICLOOP_CITIZEN_CODES_PER_IP_HOUR", 20, minimum=1)
# Lockout: wrong codes per number in a day, and per address in an hour, across all codes.
CITIZEN_WRONG_CODES_PER_PHONE_DAY = env.integer("CIVICLOOP_CITIZEN_WRONG_CODES_PER_PHONE_DAY", 15, minimum=1)
CITIZEN_WRONG_CODES_PER_IP_HOUR = env.integer("CIVICLOOP_CITIZEN_WRONG_CODES_PER_IP_HOUR", 30, minimum=1)
# Staff sign-in: this many wrong passwords within the window lock the account (and an address that
# tries many accounts) until the window has passed.
LOGIN_MAX_FAILURES = env.integer("CIVICLOOP_LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_MAX_FAILURES_PER_IP = env.integer("CIVICLOOP_LOGIN_MAX_FAILURES_PER_IP", 30, minimum=1)
LOGIN_LOCK_MINUTES = env.integer("CIVICLOOP_LOGIN_LOCK_MINUTES", 15, minimum=1)
# Map tiles for every map (docs/maps.md): none (the city's own layers drawn as the basemap), tianditu
# (天地图, needs a key), amap (高德) or tencent (腾讯) (GCJ-02: points are converted before drawing), osm,
# xyz (any {z}/{x}/{y} or WMTS template in MAP_TILE_URL), file (an MBTiles or PMTiles file served by us).
MAP_TILES = env.choice("CIVICLOOP_MAP_TILES", ("none", "tianditu", "amap", "tencent", "osm", "xyz", "file"), "none")
MAP_TILE_URL = env.text("CIVICLOOP_MAP_TILE_URL", "")  # overrides the provider's URL (an intranet mirror)
MAP_TILE_LABEL_URL = env.text("CIVICLOOP_MAP_TILE_LABEL_URL", "")  # a labels layer drawn over the base
MAP_TILE_SUBDOMAINS = env.text("CIVICLOOP_MAP_TILE_SUBDOMAINS", "")
MAP_TILE_CRS = env.choice("CIVICLOOP_MAP_TILE_CRS", ("wgs84", "gcj02"), "wgs84")  # of xyz and file tiles
MAP_TILE_ATTRIBUTION = env.text("CIVICLOOP_MAP_TILE_ATTRIBUTION", "")
MAP_TILE_MAX_ZOOM = env.integer("CIVICLOOP_MAP_TILE_MAX_ZOOM", 18, minimum=1)
MAP_TILE_FILE = env.text("CIVICLOOP_MAP_TILE_FILE", "")  # .mbtiles or .pmtiles, for MAP_TILES=file
TIANDITU_KEY = env.text("CIVICLOOP_TIANDITU_KEY", "")
TIANDITU_STYLE = env.choice("CIVICLOOP_TIANDITU_STYLE", ("vec", "img"), "vec")  # streets, or satellite imagery
# The approved basemap's 审图号 (map review number), shown in every map's attribution as the law asks.
MAP_REVIEW_NUMBER = env.text("CIVICLOOP_MAP_REVIEW_NUMBER", "")
_MAP_TILES_NEED = {"tianditu": ("CIVICLOOP_TIANDITU_KEY", TIANDITU_KEY), "xyz": ("CIVICLOOP_MAP_TILE_URL", MAP_TILE_URL),
                   "file": ("CIVICLOOP_MAP_TILE_FILE", MAP_TILE_FILE)}
if MAP_TILES in _MAP_TILES_NEED and not _MAP_TILES_NEED[MAP_TILES][1]:
    raise env.ConfigError(f"CIVICLOOP_MAP_TILES={MAP_TILES} needs {_MAP_TILES_NEED[MAP_TILES][0]}")
if MAP_TILE_FILE and not MAP_TILE_FILE.lower().endswith((".mbtiles", ".pmtiles")):
    raise env.ConfigError(f"CIVICLOOP_MAP_TILE_FILE={MAP_TILE_FILE!r}: expected an .mbtiles or .pmtiles file")
# Open cases within this many metres are shown as possible duplicates.
DUPLICATE_RADIUS_M = env.integer("CIVICLOOP_DUPLICATE_RADIUS_M", 100, minimum=5)
SERVE_WORKERS = env.integer("CIVICLOOP_SERVE_WORKERS", 2, minimum=1)

# --- Django -------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "civicloop.core",
    "civicloop.geo",
    "civicloop.org",
    "civicloop.taxonomy",
    "civicloop.cases",
    "civicloop.notify",
    "civicloop.citizens",
    "civicloop.console",
    "civicloop.evaluation",
    "civicloop.reports",
    "civicloop.bigscreen",
    "civicloop.points",
    "civicloop.volunteers",
    "civicloop.facilities",
    "civicloop.shops",
    "civicloop.appraisals",
    "civicloop.hotline",
    "civicloop.iot",
    "civicloop.patrols",
    "civicloop.routing",
    "civicloop.classifier",
    "civicloop.duplicates",
    "civicloop.open311",
    "civicloop.setupdata",
    "civicloop.golive",
    "civicloop.basemap",
    "civicloop.gazetteer",
    "civicloop.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "civicloop.core.security.SecurityHeadersMiddleware",  # CSP: static files get it too
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "civicloop.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "civicloop.core.middleware.ChosenLanguageMiddleware",
    "civicloop.core.hygiene.RequestHygieneMiddleware",  # bad characters and bodies: before any view or query
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "civicloop.urls"
WSGI_APPLICATION = "civicloop.wsgi.application"
AUTH_USER_MODEL = "org.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "civicloop.console.context.console",
            ],
        },
    },
]


def _database() -> dict:
    default_sqlite = f"sqlite:///{DATA_DIR / 'civicloop.sqlite3'}"
    config = dj_database_url.parse(env.text("DATABASE_URL", default_sqlite), conn_max_age=60)
    if config["ENGINE"].endswith("sqlite3"):
        # Writers take turns through a lock file instead of SQLite's sleeping busy handler
        # (civicloop/core/sqlite/base.py). Connections are kept like PostgreSQL's: opening one
        # reads the whole schema again, which cost a report more than its own statements.
        # CIVICLOOP_SQLITE_WRITER_TURNS=false runs Django's own backend with the same pragmas (WAL,
        # IMMEDIATE), to re-measure what the turns still win (docs/performance.md).
        if env.boolean("CIVICLOOP_SQLITE_WRITER_TURNS", True):
            config["ENGINE"] = "civicloop.core.sqlite"
        config["OPTIONS"] = {
            # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at
            # BEGIN, so two writers queue (busy timeout) instead of deadlocking on upgrade.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA mmap_size=1073741824; PRAGMA cache_size=-65536;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        # A file, not memory, for tests: a live server's threads then get their own connections
        # and transactions, as in production (pytest-xdist adds a suffix per worker).
        config["TEST"] = {"NAME": str(DATA_DIR / "test_civicloop.sqlite3")}
    elif config["ENGINE"].endswith("postgresql"):
        # Server-side binding lets psycopg prepare statements it sees repeatedly (case intake's
        # wide INSERT) instead of parsing them on every call.
        config.setdefault("OPTIONS", {})["server_side_binding"] = env.boolean("CIVICLOOP_PG_SERVER_BINDING", True)
    return config


DATABASES = {"default": _database()}
# Intake's rows share one round trip on PostgreSQL inside core.bulk.batch(); false sends each row as
# it comes, to re-measure what the batching still wins (docs/performance.md).
CIVICLOOP_BULK_BATCH = env.boolean("CIVICLOOP_BULK_BATCH", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.text("CIVICLOOP_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"
PRIVATE_ROOT = DATA_DIR / "private"  # photos as sent, until the worker has made their safe copies
REPORTS_ROOT = DATA_DIR / "reports"  # the scheduled daily, weekly and monthly reports (civicloop.reports)
# A TrueType CJK font for the PDF reports; empty: looked up in the usual places (reports/fonts.py).
REPORT_FONT = env.text("CIVICLOOP_REPORT_FONT", "")
# The worker writes each finished day's, ISO week's and month's reports; off in tests (they call it).
REPORTS_SCHEDULE = env.boolean("CIVICLOOP_REPORTS_SCHEDULE", ENVIRONMENT != "test")
# Browser libraries come from npm (package.json) at set-up and are served from node_modules.
NODE_MODULES = BASE_DIR.parent / "node_modules"
STATICFILES_DIRS = [
    ("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
]
WHITENOISE_USE_FINDERS = True  # serve straight from the apps and node_modules; no collectstatic step
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:home"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # the data directory is ours; whitenoise wants it to exist
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "civicloop": {"handlers": ["console"], "level": env.text("CIVICLOOP_LOG_LEVEL", "INFO")},
    },
}

# Each feature app keeps its settings in its own section below (only that app's owner edits it).

# --- points: points, honours and the mall
# Points a citizen may earn from reports in one day (0 = no cap); volunteer hours are not capped.
POINTS_DAILY_CAP = env.integer("CIVICLOOP_POINTS_DAILY_CAP", 50, minimum=0)
# Fraud signals: more than this many reports within the window from one account or one device…
POINTS_BURST_LIMIT = env.integer("CIVICLOOP_POINTS_BURST_LIMIT", 10, minimum=0)
POINTS_BURST_WINDOW_MIN = env.integer("CIVICLOOP_POINTS_BURST_WINDOW_MIN", 60, minimum=1)
# …a report placed farther than this from where the phone said it was…
POINTS_FAR_FROM_PHONE_M = env.integer("CIVICLOOP_POINTS_FAR_FROM_PHONE_M", 1000, minimum=1)
# …or a photo within this many bits (dHash) of another citizen's photo in the last days.
POINTS_SAME_PHOTO_BITS = env.integer("CIVICLOOP_POINTS_SAME_PHOTO_BITS", 10, minimum=0)
POINTS_PHOTO_LOOKBACK_DAYS = env.integer("CIVICLOOP_POINTS_PHOTO_LOOKBACK_DAYS", 90, minimum=1)

# --- volunteers: volunteers
# Points per hour of volunteer service, and how far from an activity's place a check-in may be.
VOLUNTEER_POINTS_PER_HOUR = env.integer("CIVICLOOP_VOLUNTEER_POINTS_PER_HOUR", 10, minimum=0)
VOLUNTEER_CHECKIN_SLACK_MIN = env.integer("CIVICLOOP_VOLUNTEER_CHECKIN_SLACK_MIN", 30, minimum=0)

# --- facilities: facilities, QR labels
# A4 label sheets: columns × rows of labels per page (also chosen per print on the labels page).
FACILITY_LABEL_COLUMNS = env.integer("CIVICLOOP_FACILITY_LABEL_COLUMNS", 3, minimum=1)
FACILITY_LABEL_ROWS = env.integer("CIVICLOOP_FACILITY_LABEL_ROWS", 8, minimum=1)

# --- shops: shops 安心码
# Lowest quarterly average score for each star, best first: "95,90,85,80,70,60" = 7★ ≥ 95 … 2★ ≥ 60, else 1★.
SHOPS_STAR_BANDS = {
    "catering": tuple(int(v) for v in env.listing("CIVICLOOP_SHOPS_CATERING_BANDS", ["95", "90", "85", "80", "70", "60"])),
    "lodging": tuple(int(v) for v in env.listing("CIVICLOOP_SHOPS_LODGING_BANDS", ["95", "90", "80", "70"])),
}

# --- appraisals: appraisals 评比
# Likes an entry needs to be nominated for the judges, for new appraisals (each appraisal keeps its own).
APPRAISAL_LIKE_THRESHOLD = env.integer("CIVICLOOP_APPRAISAL_LIKE_THRESHOLD", 50, minimum=1)

# --- hotline: 12345 hotline
# Outgoing webhooks (the hotline's status callbacks): http | console (log them) | null. Outside
# production the default is console, so a copied database never calls a real hotline system.
WEBHOOK_BACKEND = env.choice("CIVICLOOP_WEBHOOK_BACKEND", ("http", "console", "null"),
                             "http" if ENVIRONMENT == "production" else "console")
WEBHOOK_TIMEOUT = env.number("CIVICLOOP_WEBHOOK_TIMEOUT", 10.0, low=0.5, high=120)
# An Excel import of more rows than this is refused (a wrong file, not a day's orders).
HOTLINE_IMPORT_MAX_ROWS = env.integer("CIVICLOOP_HOTLINE_IMPORT_MAX_ROWS", 5000, minimum=1)
# An order with an address and no coordinates becomes a case at the geocoder's best answer when it is at
# least this sure (0–1); otherwise it waits in 待定位 for an operator. 0.75: on the demo's labelled set every
# top answer at or above it was right, and the surest wrong one scored 0.667 (docs/hotline.md).
HOTLINE_GEOCODE_PLACE_CONFIDENCE = env.number("CIVICLOOP_GEOCODE_PLACE_CONFIDENCE", 0.75, low=0.0, high=1.0)

# --- iot: IoT and cameras over MQTT
# The broker the consumer (civicloop iot-consume) reads: mqtt://[user:password@]host[:port]; mqtts:// for TLS.
IOT_MQTT_URL = env.text("CIVICLOOP_IOT_MQTT_URL", "mqtt://127.0.0.1:1883")
# Devices publish to <prefix>/<device id>/events; the consumer subscribes to <prefix>/+/events.
IOT_MQTT_PREFIX = env.text("CIVICLOOP_IOT_MQTT_PREFIX", "civicloop/devices").strip("/")
# A fixed client id with a persistent session: the broker keeps QoS 1 events while the consumer is away.
IOT_MQTT_CLIENT_ID = env.text("CIVICLOOP_IOT_MQTT_CLIENT_ID", "civicloop-iot-consumer")
# Events are stored in batches of up to this many, or after this many milliseconds, then acknowledged.
IOT_BATCH_SIZE = env.integer("CIVICLOOP_IOT_BATCH_SIZE", 500, minimum=1)
IOT_BATCH_MS = env.integer("CIVICLOOP_IOT_BATCH_MS", 50, minimum=1)

# --- patrols: patrols
# Coverage: a lattice of PATROL_CELL_M cells inside each grid (bigger cells for big rural grids, at
# most PATROL_MAX_CELLS); a cell is visited when a track passed within PATROL_SEE_M of its centre.
PATROL_CELL_M = env.number("CIVICLOOP_PATROL_CELL_M", 20.0, low=1, high=1000)
PATROL_MAX_CELLS = env.integer("CIVICLOOP_PATROL_MAX_CELLS", 2500, minimum=1)
PATROL_SEE_M = env.number("CIVICLOOP_PATROL_SEE_M", 25.0, low=1, high=1000)
# Where the phone lost the signal: no line is drawn across a longer pause or a longer jump.
PATROL_MAX_GAP_S = env.number("CIVICLOOP_PATROL_MAX_GAP_S", 300.0, low=1)
PATROL_MAX_JUMP_M = env.number("CIVICLOOP_PATROL_MAX_JUMP_M", 300.0, low=1)
# GPS fixes less accurate than this are kept out of the track.
PATROL_MAX_ACCURACY_M = env.number("CIVICLOOP_PATROL_MAX_ACCURACY_M", 100.0, low=1)
PATROL_BATCH_MAX = env.integer("CIVICLOOP_PATROL_BATCH_MAX", 500, minimum=1)

# --- routing: routing and nearest-worker dispatch
# Nearest worker: score = metres + DISPATCH_WORKLOAD_M × open tasks; only positions younger than
# DISPATCH_POSITION_MAX_AGE_MIN count; the in-memory index is rebuilt after DISPATCH_INDEX_TTL_S.
DISPATCH_WORKLOAD_M = env.number("CIVICLOOP_DISPATCH_WORKLOAD_M", 500.0, low=0)
DISPATCH_POSITION_MAX_AGE_MIN = env.integer("CIVICLOOP_DISPATCH_POSITION_MAX_AGE_MIN", 30, minimum=1)
DISPATCH_INDEX_TTL_S = env.number("CIVICLOOP_DISPATCH_INDEX_TTL_S", 30.0, low=0)
# A duty check-in older than this no longer counts (a worker who forgot to check out).
DISPATCH_SHIFT_MAX_HOURS = env.integer("CIVICLOOP_DISPATCH_SHIFT_MAX_HOURS", 12, minimum=1)

# --- classifier: classifier
# Trained models (versioned joblib files; the database row says which one is active).
CLASSIFIER_DIR = Path(env.text("CIVICLOOP_CLASSIFIER_DIR", str(DATA_DIR / "classifier")))
# The worker retrains when the active model is this old AND this many cases were filed since.
CLASSIFIER_RETRAIN_HOURS = env.number("CIVICLOOP_CLASSIFIER_RETRAIN_HOURS", 24, low=0.0)
CLASSIFIER_RETRAIN_LABELS = env.integer("CIVICLOOP_CLASSIFIER_RETRAIN_LABELS", 200, minimum=1)
# Fewer filed cases than this: keep the cold start (names, keywords, tie-break rules).
CLASSIFIER_MIN_CASES = env.integer("CIVICLOOP_CLASSIFIER_MIN_CASES", 100, minimum=10)
# The newest this many filed cases are the training set (bounds the nightly job's time and memory).
CLASSIFIER_MAX_CASES = env.integer("CIVICLOOP_CLASSIFIER_MAX_CASES", 300_000, minimum=100)

# --- duplicates: duplicates
# Candidates: open cases within DUPLICATE_RADIUS_M (above) reported at most this many days before.
DUPLICATE_WINDOW_DAYS = env.number("CIVICLOOP_DUPLICATE_WINDOW_DAYS", 30, low=0.1)
# Weights of the score's parts; a part that cannot be judged (no photo on one side) drops out.
DUPLICATE_WEIGHTS = {
    part: env.number(f"CIVICLOOP_DUPLICATE_WEIGHT_{part.upper()}", default, low=0.0, high=10.0)
    for part, default in (("distance", 0.30), ("category", 0.20), ("time", 0.10), ("text", 0.25), ("photo", 0.15))
}
# Shown to the operator from this score (0–1); the panel lists at most DUPLICATE_SHOW candidates.
DUPLICATE_MIN_SCORE = env.number("CIVICLOOP_DUPLICATE_MIN_SCORE", 0.0, low=0.0, high=1.0)
DUPLICATE_SHOW = env.integer("CIVICLOOP_DUPLICATE_SHOW", 8, minimum=1)
# The worker merges a new report by itself only at or above this score; above 1 = never (people decide).
DUPLICATE_AUTO_MERGE_SCORE = env.number("CIVICLOOP_DUPLICATE_AUTO_MERGE_SCORE", 0.92, low=0.0, high=2.0)

# --- open311: Open311 GeoReport v2
# The jurisdiction_id this endpoint answers to (empty: any or none; the spec suggests the city's
# web domain); what discovery tells clients about contact and keys; production or test endpoint.
OPEN311_JURISDICTION = env.text("CIVICLOOP_OPEN311_JURISDICTION", "")
OPEN311_CONTACT = env.text("CIVICLOOP_OPEN311_CONTACT", f"{CITY_NAME}数字化城市管理指挥中心 / city management centre")
OPEN311_KEY_SERVICE = env.text("CIVICLOOP_OPEN311_KEY_SERVICE", "向指挥中心申请密钥 / ask the city management centre for a key")
OPEN311_ENDPOINT_TYPE = env.choice("CIVICLOOP_OPEN311_ENDPOINT_TYPE", ("production", "test"),
                                   "production" if ENVIRONMENT == "production" else "test")
# POSTs a new key may make per minute (each key's own limit is set when it is issued).
OPEN311_RATE_PER_MINUTE = env.integer("CIVICLOOP_OPEN311_RATE_PER_MINUTE", 60, minimum=1)
# Geocoder look-ups (/api/geo/geocode, /api/geo/reverse) an address without a staff or citizen sign-in
# may make per minute.
GEOCODER_ANONYMOUS_PER_MINUTE = env.integer("CIVICLOOP_GEOCODER_ANONYMOUS_PER_MINUTE", 30, minimum=1)
# A case reported within this many metres of a gazetteer road's line is on that road (Case.road_code, the
# case lists' road filter); farther, or with no gazetteer, it has none (docs/gazetteer.md).
CASE_ROAD_METRES = env.number("CIVICLOOP_CASE_ROAD_METRES", 60.0, low=0.0, high=2000.0)
# Whose descriptions GET requests shows: as cases.publicity says ("open311": those sent through Open311,
# cases marked public, filed ones under CITIZEN_REPORTS_PUBLIC), every case's, or none. Phones are masked.
OPEN311_PUBLIC_DESCRIPTIONS = env.choice("CIVICLOOP_OPEN311_PUBLIC_DESCRIPTIONS", ("open311", "all", "none"), "open311")
# A list page is cached per process and rebuilt when cases change, at most once per this many seconds
# (0: at every change). The page a client reads may be this much behind.
OPEN311_LIST_CACHE_SECONDS = env.number("CIVICLOOP_OPEN311_LIST_CACHE_SECONDS", 2.0, low=0.0, high=300.0)

# --- ops: the background worker
# Whether a `civicloop worker` should be running: /healthz then reports "degraded" when a job is late
# or failing (ops/health.py). Off outside production, where nobody need run one.
WORKER_EXPECTED = env.boolean("CIVICLOOP_WORKER_EXPECTED", ENVIRONMENT == "production")

# --- hardening: security, backup, retention
# The content security policy (core/security.py) can be tried first in report-only mode; extra image
# origins (a photo CDN) are added to img-src. Map tile hosts come from CIVICLOOP_MAP_TILES/_TILE_URL.
CSP_REPORT_ONLY = env.boolean("CIVICLOOP_CSP_REPORT_ONLY", False)
CSP_EXTRA_IMG_SRC = env.listing("CIVICLOOP_CSP_EXTRA_IMG_SRC", [])
# Served over HTTPS (directly or behind a TLS-terminating proxy): cookies only over HTTPS, HSTS.
HTTPS = env.boolean("CIVICLOOP_HTTPS", ENVIRONMENT == "production")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env.integer("CIVICLOOP_HSTS_SECONDS", 0, minimum=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.boolean("CIVICLOOP_BEHIND_TLS_PROXY", False):
    # Only behind a proxy that always sets this header itself (clients could otherwise forge it).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Load balancers / reverse proxies whose X-Forwarded-For is believed (their own addresses): per-address
# sign-in limits then count the real client, not the balancer.
TRUSTED_PROXIES = frozenset(env.listing("CIVICLOOP_TRUSTED_PROXIES", []))
# Reporters' names and phone numbers (and the citizen link) are removed from cases closed or voided
# this many days ago; the case, its events and photos stay. The worker does it every day.
REPORTER_RETENTION_DAYS = env.integer("CIVICLOOP_REPORTER_RETENTION_DAYS", 365, minimum=1)
# Staff views of personal data (core.AccessLog) are kept this long, then deleted by the worker.
ACCESS_LOG_KEEP_DAYS = env.integer("CIVICLOOP_ACCESS_LOG_KEEP_DAYS", 3 * 365, minimum=30)
# `civicloop backup` writes here unless --output is given.
BACKUP_DIR = Path(env.text("CIVICLOOP_BACKUP_DIR", str(DATA_DIR / "backups")))

if ENVIRONMENT == "production":
    # Defaults that are fine on a laptop and wrong on a server: refuse to start rather than run so.
    _defaults_left = [key for key, bad in (
        ("CIVICLOOP_ALLOWED_HOSTS", ALLOWED_HOSTS == ["127.0.0.1", "localhost", "[::1]", "testserver"]),
        ("CIVICLOOP_PUBLIC_URL", PUBLIC_URL == "http://127.0.0.1:8000"),
    ) if bad]
    if _defaults_left:
        raise env.ConfigError(f"production needs {', '.join(_defaults_left)} set (the development defaults are unsafe)")
