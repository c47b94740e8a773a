"""Run-time settings, read once from ``FLASHPOINT_*`` environment variables.

>>> s = Settings(bucket_seconds=120)   # keyword arguments win over the environment
>>> s.bucket_seconds, s.detector_config().bucket_seconds, s.detector_config().window_buckets
(120.0, 120.0, 12)
>>> Settings(identify_language=False).detector_config().identify_language
False
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from detectors.pipeline import DetectorConfig
from detectors.post import DecodePolicy, parse_ts


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
    ts_earliest: str = Field(
        "2006-01-01T00:00:00Z",
        description="FLASHPOINT_TS_EARLIEST: posts dated before this (ISO-8601) are rejected: a ts of 0 or "
        "1900 is a missing clock, not a post.")
    ts_max_future_s: float = Field(
        600.0, ge=0,
        description="FLASHPOINT_TS_MAX_FUTURE_S: posts dated more than this many seconds ahead of this "
        "machine's clock are rejected (a client's clock, or a typo).")
    ts_max_ahead_s: float = Field(
        3600.0, gt=0,
        description="FLASHPOINT_TS_MAX_AHEAD_S: a post more than this many seconds ahead of the newest post "
        "taken is held until the next posts confirm the stream moved on (FLASHPOINT_TS_AHEAD_CONFIRM of them "
        "in a row), else rejected: one wrong clock cannot close the buckets of every other post.")
    ts_ahead_confirm: int = Field(
        3, ge=1, le=100,
        description="FLASHPOINT_TS_AHEAD_CONFIRM: posts in a row, that far ahead, that move the stream's clock.")
    max_text_chars: int = Field(
        10_000, ge=100,
        description="FLASHPOINT_MAX_TEXT_CHARS: a post's text is cut to this many characters (counted and "
        "reported); a record (line or Kafka message) over 1,000,000 characters is rejected.")
    identify_language: bool = Field(
        True,
        description="FLASHPOINT_IDENTIFY_LANGUAGE: identify the language of posts that "
        "arrive without 'lang' (false: such posts get no language-specific stopwords).",
    )

    # -- Kafka / Faust (``flashpoint worker``, ``produce``, ``topics``, ``tail``) ------------
    app_id: str = Field(
        "flashpoint",
        description="FLASHPOINT_APP_ID: Faust app id; consumer group, and the prefix of every "
        "internal topic and changelog, so two deployments never share one.",
    )
    broker_url: str = Field(
        "kafka://127.0.0.1:9092",
        description="FLASHPOINT_BROKER_URL: Kafka bootstrap servers, 'kafka://host:port' "
        "(several separated by ';').",
    )
    security_protocol: str = Field(
        "PLAINTEXT",
        pattern="^(PLAINTEXT|SSL|SASL_PLAINTEXT|SASL_SSL)$",
        description="FLASHPOINT_SECURITY_PROTOCOL: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.",
    )
    sasl_mechanism: str = Field(
        "PLAIN",
        pattern="^(PLAIN|SCRAM-SHA-256|SCRAM-SHA-512)$",
        description="FLASHPOINT_SASL_MECHANISM: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (SASL only).",
    )
    sasl_username: str | None = Field(None, description="FLASHPOINT_SASL_USERNAME: SASL user.")
    sasl_password: SecretStr | None = Field(
        None, description="FLASHPOINT_SASL_PASSWORD: SASL password (never printed: shown as '**********').")
    ssl_cafile: str | None = Field(
        None, description="FLASHPOINT_SSL_CAFILE: CA bundle that signs the brokers' certificates (SSL).")
    topic_posts: str = Field("posts", description="FLASHPOINT_TOPIC_POSTS: one JSON post per record.")
    topic_posts_batch: str = Field(
        "posts.batch",
        description="FLASHPOINT_TOPIC_POSTS_BATCH: many posts per record (a JSON array or JSON lines).")
    topic_dlq: str = Field(
        "posts.dlq",
        description="FLASHPOINT_TOPIC_DLQ: rejected records, original bytes, reason in headers.")
    topic_events: str = Field(
        "events", description="FLASHPOINT_TOPIC_EVENTS: event records keyed by event id (compacted).")
    partitions: int = Field(
        4, ge=1, le=1024,
        description="FLASHPOINT_PARTITIONS: partitions of the input topics; the watermark waits "
        "for every one of them.")
    term_shards: int = Field(
        4, ge=0, le=1024,
        description="FLASHPOINT_TERM_SHARDS: partitions of <app_id>-term-counts: term statistics are "
        "sharded over this many term shards, spread over the workers (0: kept inside the assembly "
        "stage, one process).")
    checkpoint_interval_s: float = Field(
        30.0, ge=0,
        description="FLASHPOINT_CHECKPOINT_INTERVAL_S: least time, seconds, between snapshots of a "
        "stateful stage (taken when a bucket closes; records since the last one are kept in its "
        "table and applied again after a crash). Smaller: faster restarts; larger: less work per post.")
    replication_factor: int = Field(
        1, ge=1, description="FLASHPOINT_REPLICATION_FACTOR: replicas of topics this app creates.")
    store: str = Field(
        "rocksdb://",
        description="FLASHPOINT_STORE: Faust table store; 'rocksdb://' (state survives a "
        "restart locally, changelogs restore it elsewhere) or 'memory://' (tests only).")
    data_dir: str = Field(
        "flashpoint-data", description="FLASHPOINT_DATA_DIR: where the worker keeps its RocksDB tables.")
    recovery_consistency_check: bool = Field(
        True,
        description="FLASHPOINT_RECOVERY_CONSISTENCY_CHECK: refuse to start when a table's local "
        "RocksDB is ahead of its changelog. Keep it on with Apache Kafka; the tansu test broker "
        "can under-report a topic's end offset, so tests and `demo --kafka` turn it off.")
    web_bind: str = Field(
        "127.0.0.1",
        description="FLASHPOINT_WEB_BIND: address of the worker's web server (/metrics); loopback by default.")
    web_port: int = Field(
        6066, ge=0, le=65535, description="FLASHPOINT_WEB_PORT: port of the worker's web server.")
    session_timeout_s: float = Field(
        30.0, gt=0,
        description="FLASHPOINT_SESSION_TIMEOUT_S: consumer group session timeout, seconds.")
    fetch_max_wait_ms: int = Field(
        100, gt=0, le=5000,
        description="FLASHPOINT_FETCH_MAX_WAIT_MS: longest a consumer's fetch waits for data.  Apache Kafka "
                    "answers as soon as data arrives, so this only paces an idle consumer; tansu waits it out.")
    ingest_batch: int = Field(
        10_000, ge=1,
        description="FLASHPOINT_INGEST_BATCH: posts the ingest agent takes at once at most (batched records: "
        "a hundredth as many records).  It forwards them in internal records of at most 2,000 posts and "
        "900 kB, and waits for their delivery once per batch: bigger batches wait less often (Faust also "
        "costs hundreds of microseconds a record).")
    gc_threshold: int = Field(
        100_000, ge=0,
        description="FLASHPOINT_GC_THRESHOLD: the worker's young-generation garbage-collection threshold "
        "(Python's default is 700; 0 keeps Python's settings).  The stages allocate many short-lived "
        "containers a post, and at 700 each young collection also walks every post of the open buckets "
        "that has not reached the old generation yet: ~10% of a worker's CPU (see the README).")
    ingest_within_s: float = Field(
        0.5, gt=0,
        description="FLASHPOINT_INGEST_WITHIN_S: longest wait, seconds, for an ingest batch to fill.")

    lag_interval_s: float = Field(
        5.0, gt=0, description="FLASHPOINT_LAG_INTERVAL_S: how often a worker measures its consumer lag, seconds.")

    # -- alerts (``flashpoint alerts``: event records -> Alertmanager) ------------------------
    alertmanager_url: str = Field(
        "http://127.0.0.1:9093",
        description="FLASHPOINT_ALERTMANAGER_URL: Alertmanager's base URL; alerts go to its v2 API.")
    alertmanager_username: str | None = Field(
        None, description="FLASHPOINT_ALERTMANAGER_USERNAME: basic-auth user for Alertmanager (its "
        "--web.config.file basic_auth_users); the password comes from FLASHPOINT_ALERTMANAGER_PASSWORD_FILE.")
    alertmanager_password_file: str | None = Field(
        None, description="FLASHPOINT_ALERTMANAGER_PASSWORD_FILE: file holding that user's password (read at "
        "start, trailing newline dropped), as Alertmanager's own clients take it (password_file).")
    alertmanager_token_file: str | None = Field(
        None, description="FLASHPOINT_ALERTMANAGER_TOKEN_FILE: file holding a bearer token for Alertmanager (behind "
        "a proxy that wants one), as in credentials_file; not with basic auth.")
    alerts_metrics_port: int = Field(
        9465, ge=0, le=65535,
        description="FLASHPOINT_ALERTS_METRICS_PORT: port of the alert sink's /metrics (on FLASHPOINT_METRICS_HOST).")
    public_url: str = Field(
        "http://127.0.0.1:6080",
        description="FLASHPOINT_PUBLIC_URL: base URL of the newsroom wall, for the event link in each alert.")
    alert_resend_interval_s: float = Field(
        60.0, gt=0,
        description="FLASHPOINT_ALERT_RESEND_INTERVAL_S: a firing alert is sent again this often; its endsAt is "
        "5 intervals ahead, so Alertmanager resolves it by itself if the sink stops.")
    alert_min_severity: str = Field(
        "info", pattern="^(info|warning|critical)$",
        description="FLASHPOINT_ALERT_MIN_SEVERITY: events below this severity are not sent to Alertmanager.")
    alert_retry_max_s: float = Field(
        30.0, gt=0,
        description="FLASHPOINT_ALERT_RETRY_MAX_S: longest wait between attempts while Alertmanager is unreachable "
        "(the wait doubles from 0.5 s).")

    # -- watchlists and the newsroom wall -------------------------------------------------------
    watchlists: str | None = Field(
        None, description="FLASHPOINT_WATCHLISTS: YAML file of PR teams' watchlists (see watchlists.example.yaml); "
        "re-read when it changes.")
    watchlists_reload_s: float = Field(
        5.0, gt=0, description="FLASHPOINT_WATCHLISTS_RELOAD_S: how often the watchlist file is checked for changes.")
    wall_bind: str | None = Field(
        None, description="FLASHPOINT_WALL_BIND: address of the wall a worker serves (default: FLASHPOINT_WEB_BIND; "
        "wildcard addresses are refused: in a container, give its hostname).")
    wall_port: int = Field(
        6080, ge=0, le=65535,
        description="FLASHPOINT_WALL_PORT: port of the newsroom wall a worker serves (on FLASHPOINT_WEB_BIND); "
        "0: no wall.")
    wall_token: SecretStr | None = Field(
        None, description="FLASHPOINT_WALL_TOKEN: if set, the wall's API and actions need "
        "'Authorization: Bearer <token>' (never printed).")
    allow_wildcard_bind: bool = Field(
        False, description="FLASHPOINT_ALLOW_WILDCARD_BIND: let the wall and the /metrics endpoints bind a wildcard "
        "address (0.0.0.0, ::, 0, 0x0, ...); refused otherwise. Only behind a firewall, with FLASHPOINT_WALL_TOKEN "
        "and FLASHPOINT_WALL_ALLOWED_HOSTS.")
    wall_allowed_hosts: str = Field(
        "", description="FLASHPOINT_WALL_ALLOWED_HOSTS: comma-separated Host names the wall answers to, "
        "besides 127.0.0.1, localhost, [::1] and the address it is bound to (a request for any other "
        "name gets 421: a web page cannot reach the wall by pointing its own name at it, DNS rebinding); "
        "'*': any name.")
    topic_actions: str = Field(
        "events.actions", description="FLASHPOINT_TOPIC_ACTIONS: acknowledge/mute/false-alarm actions taken on the "
        "wall (compacted, keyed by event id); the alert sink and every wall follow it.")

    @field_validator("ts_earliest")
    @classmethod
    def _an_instant(cls, value: str) -> str:
        parse_ts(value, DecodePolicy(earliest=0.0, clock=None))  # PostError is a ValueError: a clear message
        return value

    def __repr_args__(self):
        # URLs may carry user:password@ (Alertmanager behind basic auth): shown masked
        for name, value in super().__repr_args__():
            yield name, masked_url(value) if name.endswith("_url") and isinstance(value, str) else value

    def wall_hosts(self, bound: str) -> tuple[str, ...] | None:
        """The Host names a wall bound to ``bound`` answers to (None: any)."""
        extra = [h.strip().lower() for h in self.wall_allowed_hosts.split(",") if h.strip()]
        if "*" in extra:
            return None
        from streams.wall.web import LOCAL_HOSTS

        shown = f"[{bound.strip('[]')}]" if ":" in bound else bound
        return (*LOCAL_HOSTS, shown.lower(), *extra)

    def alertmanager_auth(self) -> dict[str, str]:
        """Headers that authenticate to Alertmanager, from the credential files (read now).
        Raises ValueError, naming the setting, when a file cannot be read or both kinds are set."""
        import base64

        def read(setting: str, path: str) -> str:
            try:
                return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
            except (OSError, UnicodeDecodeError) as exc:
                raise ValueError(f"{setting}: cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None

        if self.alertmanager_token_file and (self.alertmanager_username or self.alertmanager_password_file):
            raise ValueError("FLASHPOINT_ALERTMANAGER_TOKEN_FILE and basic auth exclude each other")
        if self.alertmanager_token_file:
            return {"Authorization": "Bearer " + read("FLASHPOINT_ALERTMANAGER_TOKEN_FILE",
                                                      self.alertmanager_token_file)}
        if self.alertmanager_username is None and self.alertmanager_password_file is None:
            return {}
        if not (self.alertmanager_username and self.alertmanager_password_file):
            raise ValueError("basic auth needs both FLASHPOINT_ALERTMANAGER_USERNAME and "
                             "FLASHPOINT_ALERTMANAGER_PASSWORD_FILE")
        password = read("FLASHPOINT_ALERTMANAGER_PASSWORD_FILE", self.alertmanager_password_file)
        pair = f"{self.alertmanager_username}:{password}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode()}

    def secret(self, name: str) -> str | None:
        """The plain value of a secret setting (``sasl_password``, ``wall_token``), for the one place that uses it."""
        value = getattr(self, name)
        return value.get_secret_value() if value is not None else None

    def detector_config(self) -> DetectorConfig:
        """The pipeline's :class:`DetectorConfig` with these settings applied."""
        return dataclasses.replace(
            DetectorConfig(),
            bucket_seconds=self.bucket_seconds,
            identify_language=self.identify_language,
            max_ahead_seconds=self.ts_max_ahead_s,
            ahead_confirm_posts=self.ts_ahead_confirm,
        )

    def decode_policy(self) -> DecodePolicy:
        """What every reader accepts: event times, text lengths (see :class:`detectors.post.DecodePolicy`)."""
        return DecodePolicy(earliest=parse_ts(self.ts_earliest, DecodePolicy(earliest=0.0, clock=None)),
                          max_future_seconds=self.ts_max_future_s, max_text_chars=self.max_text_chars)


def masked_url(url: str) -> str:
    """``url`` with the password of any ``user:password@`` replaced by ``***``, for logs.

    >>> masked_url("http://alert:hunter2@127.0.0.1:9093/x")
    'http://alert:***@127.0.0.1:9093/x'
    >>> masked_url("http://127.0.0.1:9093")
    'http://127.0.0.1:9093'
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<an unparsable URL>"
    if parts.password is None and "@" not in parts.netloc:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}" if parts.password is not None else f"***@{host}"))
