"""Routes of the imports room (placeholder until the room is built)."""

from fastapi import APIRouter

router = APIRouter()
