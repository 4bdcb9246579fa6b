#!/usr/bin/env python3
"""Sends an image to blip2-stream for a caption and a question, and prints both results.

    pip install confluent-kafka
    python3 examples/python/produce.py --bootstrap localhost:9092 --image cat.jpg \
        --question "What is the cat doing?"

The caption request is the raw image on the images topic, with its id and generation options
in headers; the question is JSON on the questions topic, the image inline as base64. Both
bodies start from the templates in examples/requests/ (checked against the service's JSON
Schemas by ProducerExamplesTest). Results are read from the captions and answers topics,
from the records written after the requests were sent, so none is missed.
"""
import argparse
import base64
import json
import pathlib
import sys
import time
import uuid

from confluent_kafka import Consumer, Producer, TopicPartition

REQUESTS = pathlib.Path(__file__).resolve().parent.parent / "requests"
MAX_MESSAGE_BYTES = 10 * 1024 * 1024  # the topics' max.message.bytes (blip2.kafka.max-message-bytes)


def result_partitions(consumer, topics, since_ms):
    """Every partition of the result topics, positioned at the first record written at or after
    since_ms (the end where there is none yet). A topic that does not exist yet has none."""
    partitions = []
    for topic in topics:
        meta = consumer.list_topics(topic, timeout=10).topics.get(topic)
        if meta is not None and meta.error is None:
            partitions += [TopicPartition(topic, p, since_ms) for p in meta.partitions]
    positioned = consumer.offsets_for_times(partitions, timeout=10) if partitions else []
    for tp in positioned:
        if tp.offset < 0:  # nothing at or after since_ms yet: from the end as it is now
            tp.offset = consumer.get_watermark_offsets(tp, timeout=10)[1]
    return positioned


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bootstrap", default="localhost:9092")
    ap.add_argument("--image", required=True, help="JPEG, PNG, GIF, BMP or WebP file")
    ap.add_argument("--question", default="What is in the picture?")
    ap.add_argument("--images-topic", default="blip2.images")
    ap.add_argument("--questions-topic", default="blip2.questions")
    ap.add_argument("--captions-topic", default="blip2.captions")
    ap.add_argument("--answers-topic", default="blip2.answers")
    ap.add_argument("--timeout-s", type=float, default=60)
    args = ap.parse_args()

    image = pathlib.Path(args.image).read_bytes()
    since_ms = int(time.time() * 1000)  # results are read from records written after this
    result_topics = [args.captions_topic, args.answers_topic]
    consumer = Consumer({"bootstrap.servers": args.bootstrap, "group.id": "producer-example-" + uuid.uuid4().hex,
                         "enable.auto.commit": False})
    producer = Producer({"bootstrap.servers": args.bootstrap, "message.max.bytes": MAX_MESSAGE_BYTES})

    # 1. caption: the raw image bytes; id and options in headers
    caption_id = "caption-" + uuid.uuid4().hex
    options = json.loads((REQUESTS / "caption-options.json").read_text())
    producer.produce(args.images_topic, key=caption_id, value=image,
                     headers=[("blip2-id", caption_id), ("blip2-options", json.dumps(options))])

    # 2. question: JSON with the image inline
    question_id = "vqa-" + uuid.uuid4().hex
    request = json.loads((REQUESTS / "vqa.json").read_text())
    request["id"] = question_id
    request["question"] = args.question
    request["image"] = {"base64": base64.b64encode(image).decode("ascii")}
    producer.produce(args.questions_topic, key=question_id, value=json.dumps(request).encode("utf-8"))
    producer.flush(30)

    waiting = {caption_id, question_id}
    deadline = time.monotonic() + args.timeout_s
    assigned, checked = 0, 0.0
    while waiting and time.monotonic() < deadline:
        if time.monotonic() - checked > 2:  # the result topics may be created by the first result
            checked = time.monotonic()
            partitions = result_partitions(consumer, result_topics, since_ms)
            if len(partitions) > assigned:
                consumer.assign(partitions)
                assigned = len(partitions)
        record = consumer.poll(0.5)
        if record is None or record.error():
            continue
        result = json.loads(record.value())
        if result.get("id") in waiting:
            waiting.discard(result["id"])
            if "error" in result:
                print(f"{result['id']} {result['task']}: error {result['error']['code']}: {result['error']['message']}")
            else:
                print(f"{result['id']} {result['task']}: {result['text']!r} ({result['timing_ms']['total']:.0f} ms)")
    consumer.close()
    if waiting:
        print("no result within", args.timeout_s, "s for", ", ".join(sorted(waiting)), file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
