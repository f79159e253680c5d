"""Whitelist domain: applications, dual approval, entries, status, progress. No FastAPI here."""
