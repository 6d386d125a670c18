"""Web pages (placeholder until the pages are built)."""

from fastapi import APIRouter

router = APIRouter()
