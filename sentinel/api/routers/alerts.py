"""(placeholder: this router's owner replaces it)."""

from fastapi import APIRouter

router = APIRouter()
