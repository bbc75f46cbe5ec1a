"""MQTT ingestion: a publisher at a steady rate for a minute, `civicloop iot-consume` storing and
running the rules, and the counts reconciled at the end (published = acknowledged = stored).

    .venv/bin/python benchmarks/bench_mqtt.py --db sqlite|postgres [--rate 1200] [--seconds 60]
        [--devices 200] [--no-rules]

Starts its own Mosquitto (persistence off: this measures throughput, not restarts; the test
tests/iot/test_mqtt.py restarts one) on a free port, builds the demo city, registers --devices
cameras and three rules, then publishes QoS 1 events at --rate per second for --seconds: 90% are
bin_overflow (each camera's first opens a case, the rest become its evidence), 10% heartbeat (no
rule). The consumer runs as its own process (`civicloop iot-consume`), as in production.
Target: >= 1,000 events/s sustained for 60 s, nothing lost.
"""
from __future__ import annotations

import argparse
import getpass
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import _common

PREFIX = "bench/devices"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_broker(directory: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    conf = directory / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 1000000\n"
                    f"log_dest none\nuser {getpass.getuser()}\n")
    broker = subprocess.Popen([shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c", str(conf)])
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return broker, port
        except OSError:
            time.sleep(0.05)
    raise SystemExit("mosquitto did not start")


def seed(devices: int) -> list[str]:
    from civicloop.demo import city
    from civicloop.iot import services
    from civicloop.iot.models import Rule

    city.build_city()
    ids = []
    for n in range(devices):
        device_id = f"bench-{n:04d}"
        services.register_device(device_id=device_id, name=f"摄像头{n}", kind="camera",
                                 lon=103.380 + (n % 20) * 0.0005, lat=23.362 + (n // 20) * 0.0005)
        ids.append(device_id)
    Rule.objects.create(name="垃圾满溢", event_type="bin_overflow", category="03005", cooldown_minutes=60)
    Rule.objects.create(name="暴露垃圾", event_type="exposed_garbage", category="06010", cooldown_minutes=60)
    Rule.objects.create(name="公厕异味", event_type="odour", category="03001", threshold=5.0)
    return ids


def publish(port: int, devices: list[str], rate: int, seconds: int) -> dict:
    from civicloop.iot.mqtt import make_client

    client = make_client("bench-publisher")
    acked = [0]
    client.on_publish = lambda *args: acked.__setitem__(0, acked[0] + 1)
    client.max_inflight_messages_set(1000)
    client.connect("127.0.0.1", port)
    client.loop_start()
    sent, start = 0, time.perf_counter()
    total = rate * seconds
    while sent < total:
        due = int((time.perf_counter() - start) * rate) + 1
        while sent < min(due, total):
            device = devices[sent % len(devices)]
            kind = "heartbeat" if sent % 10 == 9 else "bin_overflow"
            event = {"event_id": f"b{sent}", "type": kind, "value": 0.9, "time": time.time()}
            client.publish(f"{PREFIX}/{device}/events", json.dumps(event), qos=1)
            sent += 1
        time.sleep(0.002)
    elapsed = time.perf_counter() - start
    deadline = time.perf_counter() + 60
    while acked[0] < sent and time.perf_counter() < deadline:
        time.sleep(0.05)
    client.disconnect()
    client.loop_stop()
    return {"sent": sent, "acked": acked[0], "publish_s": elapsed}


def wait_for_consumer(port: int, device: str, event_model) -> None:
    """The consumer is up (Django, paho, the subscription) once a probe event is stored: starting a
    process that loads every app takes seconds on a busy machine."""
    from civicloop.iot.mqtt import make_client

    client = make_client("bench-probe")
    client.connect("127.0.0.1", port)
    client.loop_start()
    for n in range(600):
        client.publish(f"{PREFIX}/{device}/events", json.dumps({"event_id": f"probe-{n}", "type": "probe"}), qos=1)
        time.sleep(0.5)
        if event_model.objects.filter(event_id__startswith="probe-").exists():
            break
    client.disconnect()
    client.loop_stop()
    time.sleep(1)  # the last probes in flight
    event_model.objects.filter(event_id__startswith="probe-").delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite")
    parser.add_argument("--rate", type=int, default=1200)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--no-rules", action="store_true", help="the consumer stores only")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    db = _common.Database("mqtt", args.db)
    db.setup()
    _common.header(f"MQTT ingestion: {args.rate}/s for {args.seconds} s from {args.devices} devices", db.label)
    from django.db import connections

    from civicloop.cases.models import Case
    from civicloop.iot.models import Event

    devices = seed(args.devices)
    connections.close_all()
    workdir = Path(tempfile.mkdtemp(prefix="bench_mqtt_"))
    broker, port = start_broker(workdir)
    consumer_argv = [sys.executable, "-m", "civicloop.cli", "iot-consume", "--url", f"mqtt://127.0.0.1:{port}",
                     "--prefix", PREFIX, "--client-id", "bench-consumer"] + (["--no-rules"] if args.no_rules else [])
    consumer = subprocess.Popen(consumer_argv, env=dict(os.environ), stdout=subprocess.DEVNULL)
    try:
        wait_for_consumer(port, devices[0], Event)
        samples: list[tuple[float, int]] = []
        stop = threading.Event()

        def sample():
            while not stop.wait(1.0):
                samples.append((time.perf_counter(), Event.objects.count()))
            connections.close_all()

        sampler = threading.Thread(target=sample, daemon=True)
        start = time.perf_counter()
        sampler.start()
        published = publish(port, devices, args.rate, args.seconds)
        deadline = time.perf_counter() + 120
        while Event.objects.count() < published["sent"] and time.perf_counter() < deadline:
            time.sleep(0.2)
        stored_at = time.perf_counter()
        stop.set()
        sampler.join()
        stored = Event.objects.count()
        while Event.objects.filter(status="new").exists() and time.perf_counter() < deadline + 120:
            time.sleep(0.5)
        processed_at = time.perf_counter()
        lag_at_end = published["sent"] - next((n for t, n in samples if t >= start + published["publish_s"]), stored)
        per_second = [b[1] - a[1] for a, b in zip(samples, samples[1:])]
        result = {
            "benchmark": "mqtt", "db": db.label, "rate": args.rate, "seconds": args.seconds,
            "devices": args.devices, "rules_in_consumer": not args.no_rules, **published, "stored": stored,
            "lost": published["sent"] - stored, "store_rate": stored / (stored_at - start),
            "processed_rate": stored / (processed_at - start),
            "min_1s": min(per_second[1:-3] or per_second or [0]), "lag_at_publish_end": lag_at_end,
            "cases": Case.objects.filter(channel="camera").count(),
            "failed": Event.objects.filter(status="failed").count(), "load": _common.load(),
        }
        print(f"published {published['sent']:,} (broker acknowledged {published['acked']:,}) in "
              f"{published['publish_s']:.1f} s; stored {stored:,} rows (lost {result['lost']}), "
              f"{result['store_rate']:,.0f} events/s stored end to end, lowest 1-s window {result['min_1s']:,}/s, "
              f"behind by {lag_at_end:,} when publishing ended; rules done at {result['processed_rate']:,.0f} events/s; "
              f"{result['cases']} cases, {result['failed']} failed")
        print(f"target >= 1,000 events/s for 60 s, nothing lost: "
              f"{_common.verdict(result['store_rate'] if result['lost'] == 0 else 0, 1000, higher_is_better=True)}")
        _common.emit(result)
    finally:
        consumer.terminate()
        consumer.wait(30)
        broker.terminate()
        broker.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)
        db.finish(keep=args.keep)


if __name__ == "__main__":
    main()
