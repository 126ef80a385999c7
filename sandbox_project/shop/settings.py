"""Settings of the migration tutor's sandbox: one app, `store`, on SQLite.

This is a throwaway project that the tutor builds and rebuilds; nothing here is secret.
"""
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "sandbox-only-not-a-secret"
DEBUG = True
ALLOWED_HOSTS = []

INSTALLED_APPS = [
    "store",
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
    }
}

# Set explicitly: Django 5.2 and 6.x default to different auto fields, and a migration
# written under one line would otherwise make the other want an extra migration.
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
