"""Live source connectors: public social-media streams -> posts.

Each connector (:mod:`.jetstream` for Bluesky, :mod:`.mastodon`) maps the
service's wire format to Flashpoint's post schema (:mod:`detectors.post`) and
hands every post to a :class:`~streams.live.sinks.PostSink` (Kafka's ``posts``
topic, a JSON Lines file, or a list in tests).  They reconnect with capped,
jittered exponential backoff (:mod:`.backoff`), persist their resume position
(:mod:`.state`) and drop duplicates by id, on top of a shared run loop
(:mod:`.base`).  ``flashpoint source ...`` is in :mod:`.cli`.
"""
