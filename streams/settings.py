"""Run-time settings, read once from ``FLASHPOINT_*`` environment variables.

>>> s = Settings(bucket_seconds=120)   # keyword arguments win over the environment
>>> s.bucket_seconds, s.detector_config().bucket_seconds, s.detector_config().window_buckets
(120.0, 120.0, 12)
>>> Settings(identify_language=False).detector_config().identify_language
False
"""

from __future__ import annotations

import dataclasses

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from detectors.pipeline import DetectorConfig


class Settings(BaseSettings):
    """Everything an operator may set without touching code; frozen once read."""

    model_config = SettingsConfigDict(env_prefix="FLASHPOINT_", frozen=True, extra="ignore")

    metrics_host: str = Field(
        "127.0.0.1",
        description="FLASHPOINT_METRICS_HOST: address the Prometheus /metrics endpoint binds "
        "(loopback by default; wildcard addresses are refused).",
    )
    metrics_port: int = Field(
        0,
        ge=0,
        le=65535,
        description="FLASHPOINT_METRICS_PORT: port of the /metrics endpoint; 0 picks a free "
        "port (printed at start). Set e.g. 9464 for a fixed scrape target.",
    )
    bucket_seconds: float = Field(
        300.0,
        gt=0,
        description="FLASHPOINT_BUCKET_SECONDS: width of an event-time bucket, in seconds.",
    )
    identify_language: bool = Field(
        True,
        description="FLASHPOINT_IDENTIFY_LANGUAGE: identify the language of posts that "
        "arrive without 'lang' (false: such posts get no language-specific stopwords).",
    )

    def detector_config(self) -> DetectorConfig:
        """The pipeline's :class:`DetectorConfig` with these settings applied."""
        return dataclasses.replace(
            DetectorConfig(),
            bucket_seconds=self.bucket_seconds,
            identify_language=self.identify_language,
        )
