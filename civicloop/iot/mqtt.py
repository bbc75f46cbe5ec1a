"""The MQTT consumer behind `civicloop iot-consume`.

paho's network thread receives; this thread stores. Messages are QoS 1 and acknowledged by hand
only after their batch is committed, so a crash or a database outage loses nothing: the broker
sends the unacknowledged ones again and the unique (device, event id) drops the repeats. The
session is persistent (MQTT 5, fixed client id, session expiry), so the broker also keeps what
arrives while the consumer is away; paho reconnects by itself when the broker goes down.
"""
from __future__ import annotations

import json
import logging
import queue
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from django.db import close_old_connections, connections
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from civicloop.iot import rules, services

log = logging.getLogger("civicloop.iot")
SESSION_EXPIRY = 7 * 24 * 3600  # the broker keeps our subscription and queued events for a week
RECEIVE_MAXIMUM = 2000  # unacknowledged events the broker may send us at once (one batch or more)


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool

    @classmethod
    def from_url(cls, url: str) -> "Broker":
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise ValueError(f"CIVICLOOP_IOT_MQTT_URL={url!r}: expected mqtt://host:port or mqtts://host:port")
        tls = parts.scheme == "mqtts"
        return cls(parts.hostname, parts.port or (8883 if tls else 1883), parts.username, parts.password, tls)


def make_client(client_id: str, *, manual_ack: bool = False) -> mqtt.Client:
    return mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5,
                       manual_ack=manual_ack)


class Consumer:
    def __init__(self, *, url: str, prefix: str, client_id: str, batch_size: int = 500, batch_ms: int = 50,
                 process: bool = True):
        self.broker = Broker.from_url(url)
        self.prefix, self.client_id = prefix.strip("/"), client_id
        self.batch_size, self.batch_wait = batch_size, batch_ms / 1000
        self.process = process
        self.inbox: queue.Queue = queue.Queue()
        self.directory = services.Directory()
        self.connected = threading.Event()
        self.stats = {"received": 0, "stored": 0, "rejected": 0, "batches": 0, "connects": 0}
        self.client = self._client()

    def _client(self) -> mqtt.Client:
        client = make_client(self.client_id, manual_ack=True)
        if self.broker.username:
            client.username_pw_set(self.broker.username, self.broker.password)
        if self.broker.tls:
            client.tls_set()
        client.reconnect_delay_set(min_delay=1, max_delay=15)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = lambda _client, _userdata, message: self.inbox.put(message)
        return client

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            log.warning("iot: broker refused the connection: %s", reason_code)
            return
        self.stats["connects"] += 1
        # Subscribing again is harmless when the broker kept the session, and needed when it did not.
        client.subscribe(f"{self.prefix}/+/events", qos=1)
        self.connected.set()
        log.info("iot: connected to %s:%s (session %s)", self.broker.host, self.broker.port,
                 "resumed" if flags.session_present else "new")

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        self.connected.clear()
        log.warning("iot: disconnected from the broker (%s); reconnecting", reason_code)

    def run(self, stop: threading.Event) -> None:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = SESSION_EXPIRY
        properties.ReceiveMaximum = RECEIVE_MAXIMUM
        self.client.connect_async(self.broker.host, self.broker.port, keepalive=20, clean_start=False,
                                  properties=properties)
        self.client.loop_start()
        try:
            while not stop.is_set():
                batch = self._gather(stop)
                if batch:
                    self._store(batch, stop)
                elif self.process:
                    self._process()
        finally:
            self.client.disconnect()
            self.client.loop_stop()
            connections.close_all()  # this thread's connections (the consumer may run in a thread)

    def _gather(self, stop: threading.Event) -> list:
        try:
            batch = [self.inbox.get(timeout=0.2)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + self.batch_wait
        while len(batch) < self.batch_size and not stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                batch.append(self.inbox.get(timeout=left))
            except queue.Empty:
                break
        return batch

    def _store(self, batch: list, stop: threading.Event) -> None:
        parsed = [(rules.topic_device(m.topic, self.prefix) or "", _json(m.payload)) for m in batch]
        while True:
            try:
                close_old_connections()
                result = services.ingest(parsed, via="mqtt", directory=self.directory)
                break
            except Exception as exc:  # the database restarting: keep the batch, unacknowledged, and retry
                log.warning("iot: could not store %s events (%s); retrying", len(batch), exc)
                if stop.wait(2):
                    return  # not acknowledged: the broker sends them again to the next consumer
        for message in batch:
            self.client.ack(message.mid, message.qos)
        self.stats["received"] += len(batch)
        self.stats["stored"] += result.stored
        self.stats["rejected"] += len(result.rejected)
        self.stats["batches"] += 1
        for device_id, why in result.rejected[:5]:
            log.warning("iot: dropped an event from %r: %s", device_id, why)
        # Storing comes first: the rules run when the inbox is empty (they catch up after a burst).
        if self.process and self.inbox.empty():
            self._process()

    def _process(self) -> None:
        try:
            services.process_pending(limit=self.batch_size)
        except Exception as exc:  # the events stay stored; the next pass (or the worker) takes them
            log.warning("iot: rules failed for a batch: %s", exc)


def _json(payload: bytes):
    try:
        return json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return None
