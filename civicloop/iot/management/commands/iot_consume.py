import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from civicloop.iot.mqtt import Consumer


class Command(BaseCommand):
    help = ("读取 MQTT 设备事件，先存储后按规则立案；断线自动重连 / read device events from the MQTT broker, "
            "store them, then run the rules; reconnects by itself")

    def add_arguments(self, parser):
        parser.add_argument("--url", default=settings.IOT_MQTT_URL, help="mqtt://[user:password@]host:port")
        parser.add_argument("--prefix", default=settings.IOT_MQTT_PREFIX)
        parser.add_argument("--client-id", default=settings.IOT_MQTT_CLIENT_ID)
        parser.add_argument("--batch-size", type=int, default=settings.IOT_BATCH_SIZE)
        parser.add_argument("--batch-ms", type=int, default=settings.IOT_BATCH_MS)
        parser.add_argument("--no-rules", action="store_true",
                            help="store only; the worker (civicloop worker) runs the rules")

    def handle(self, *args, url, prefix, client_id, batch_size, batch_ms, no_rules, **options):
        logging.getLogger("civicloop").setLevel(logging.INFO)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        consumer = Consumer(url=url, prefix=prefix, client_id=client_id, batch_size=batch_size, batch_ms=batch_ms,
                            process=not no_rules)
        self.stdout.write(f"iot-consume: {consumer.broker.host}:{consumer.broker.port} {prefix}/+/events (Ctrl-C 停止)")
        consumer.run(stop)
        self.stdout.write(f"iot-consume stopped: {consumer.stats}")
