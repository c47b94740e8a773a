"""Faust's aiokafka transport with a configurable fetch wait.

Faust hard-codes ``fetch_max_wait_ms=1500`` for its consumer.  Apache Kafka
answers a waiting fetch as soon as data arrives, so the wait only bounds how
often an idle consumer asks again; the tansu broker (tests, ``demo --kafka``,
benchmarks) answers only when the wait runs out (measured: ~550 ms from send to
receipt with 1500 ms, 3-5 ms with 100 ms).  Each bucket close is a round trip
through two topics (close request to the term shards, answers back), so that
wait would cost over a second per bucket.
"""

from __future__ import annotations

from faust.transport.drivers import aiokafka as driver


def transport_with_fetch_wait(fetch_max_wait_ms: int) -> type[driver.Transport]:
    class ConsumerThread(driver.AIOKafkaConsumerThread):
        def _create_worker_consumer(self, transport):
            consumer = super()._create_worker_consumer(transport)
            consumer._fetch_max_wait_ms = fetch_max_wait_ms  # read when the consumer starts its fetcher
            return consumer

    class Consumer(driver.Consumer):
        def _new_consumer_thread(self):
            return ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    class Transport(driver.Transport):
        pass

    Transport.Consumer = Consumer
    return Transport
