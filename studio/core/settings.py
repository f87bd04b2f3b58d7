"""Settings: one place for every knob, read from ``STUDIO_*`` environment variables or ``.env``.

Relative paths are taken from the working directory (the repository root when started by the
README's commands).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting is documented here and in README.md (a test keeps the two in sync)."""

    model_config = SettingsConfigDict(
        env_prefix="STUDIO_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field(
        "sqlite:///var/studio.db",
        description="SQLAlchemy URL. SQLite by default; postgresql+psycopg://user:pass@host/db for PostgreSQL.",
    )
    brand_dir: Path = Field(
        Path("brand_guidelines"), description="Folder of brand guideline folders."
    )
    asset_dir: str = Field(
        "var/assets",
        description="Where images, videos and exports are written: a local folder, or an fsspec URL (s3://bucket/prefix, gs://..., file://...) that every worker and app replica shares (see docs/scaling.md).",
    )
    max_upload_mb: float = Field(
        10.0, gt=0, description="Largest file accepted from an upload, in MiB."
    )

    llm_backend: str = Field(
        "offline",
        description="Copy writer: any name in the studio.copy_writers entry-point group (built in: offline, openai, transformers).",
    )
    openai_base_url: str | None = Field(
        None,
        description="OpenAI-compatible server, e.g. http://localhost:11434/v1 for Ollama. Empty: api.openai.com.",
    )
    openai_api_key: SecretStr | None = Field(
        None, description="API key for the OpenAI-compatible server."
    )
    openai_model: str = Field(
        "gpt-4o-mini", description="Model name on the OpenAI-compatible server."
    )
    openai_timeout_s: float = Field(
        30.0, gt=0, description="Seconds before one LLM request times out."
    )
    openai_max_retries: int = Field(
        3, ge=0, le=10, description="Retries with backoff on 429, 5xx and timeouts."
    )
    transformers_model: str | None = Field(
        None,
        description="Local path or hub id of a text-generation model for the transformers backend.",
    )

    image_backend: str = Field(
        "offline",
        description="Image maker: any name in the studio.image_backends entry-point group (built in: offline, diffusers).",
    )
    diffusers_model: str | None = Field(
        None, description="Local path or hub id of a text-to-image model."
    )
    video_backend: str | None = Field(
        None,
        description="Background animator for video ads: any name in the studio.video_backends entry-point group (built in: diffusers). Empty: diffusers when STUDIO_VIDEO_MODEL is set, else a zoom and pan.",
    )
    video_model: str | None = Field(
        None,
        description="Optional diffusers image-to-video model (e.g. Stable Video Diffusion) for animated backgrounds.",
    )
    diffusers_steps: int = Field(
        25, ge=1, le=200, description="Denoising steps per image (1-4 for turbo models)."
    )
    diffusers_guidance: float = Field(
        7.0, ge=0, le=30, description="Classifier-free guidance scale (0 for turbo models)."
    )
    diffusers_resolution: int = Field(
        512,
        ge=64,
        le=2048,
        description="Side of the square pixel area the text-to-image model draws; 1024 for SDXL.",
    )
    device: Literal["auto", "cpu", "cuda", "mps"] = Field(
        "auto", description="Torch device for local models."
    )

    ctr_model_path: Path | None = Field(
        None,
        description="CTR predictor artifact. Empty: the shipped model in studio/scoring/artifacts.",
    )
    four_eyes: bool = Field(
        False, description="When true, nobody may approve a variant they created or edited."
    )
    session_ttl_minutes: int = Field(
        480, gt=0, description="Minutes before an app sign-in expires."
    )
    executor: Literal["local", "ray"] = Field(
        "local",
        description="Where a job's items run: local (in the worker's process) or ray (a Ray cluster; pip install 'studio[ray]').",
    )
    ray_address: str | None = Field(
        None,
        description="Ray cluster to join with STUDIO_EXECUTOR=ray (ray://head:10001 or head:6379). Empty: Ray's own RAY_ADDRESS if set, else a Ray started on this machine.",
    )
    ray_actors: int = Field(
        1,
        ge=1,
        le=1024,
        description="Model actors per job on Ray (one per GPU: set it to the cluster's GPU count).",
    )
    auth_provider: Literal["password", "oidc"] = Field(
        "password",
        description="App sign-in: password (studio accounts) or oidc (a company identity provider through Streamlit's st.login; see docs/identity-provider.md).",
    )

    @field_validator(
        "openai_base_url",
        "transformers_model",
        "diffusers_model",
        "video_backend",
        "video_model",
        "ray_address",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("asset_dir", mode="before")
    @classmethod
    def _path_is_text(cls, value: object) -> object:
        # A folder given as a Path (tests, the CLI) is the same setting as its text.
        return os.fspath(value) if isinstance(value, os.PathLike) else value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
