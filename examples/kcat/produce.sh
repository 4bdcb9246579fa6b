#!/usr/bin/env bash
# Sends an image to blip2-stream for a caption and a question with kcat, and prints both results.
#
#   apt-get install kcat jq
#   examples/kcat/produce.sh localhost:9092 cat.jpg "What is the cat doing?"
#
# The caption request is the raw image on blip2.images (one file = one record), its id and
# generation options in headers; the question is one line of JSON on blip2.questions, built
# from examples/requests/vqa.json with the image inline as base64. The request templates are
# checked against the service's JSON Schemas by ProducerExamplesTest.
set -euo pipefail
bootstrap=${1:?usage: produce.sh BOOTSTRAP IMAGE [QUESTION]}
image=${2:?usage: produce.sh BOOTSTRAP IMAGE [QUESTION]}
question=${3:-What is in the picture?}
requests=$(cd "$(dirname "$0")/../requests" && pwd)
id=$(date +%s)-$$
since=$(date +%s%3N)  # results are read from records written after this (epoch ms)

# 1. caption: the raw bytes of the file, key and blip2-id = the request id
kcat -P -b "$bootstrap" -t blip2.images -k "caption-$id" \
  -H "blip2-id=caption-$id" -H "blip2-options=$(jq -c . "$requests/caption-options.json")" \
  "$image"

# 2. question: the template with id, question and image set, on one line
jq -c --arg id "vqa-$id" --arg q "$question" --rawfile img <(base64 -w0 "$image") \
  '.id = $id | .question = $q | .image = {base64: $img}' "$requests/vqa.json" |
  kcat -P -b "$bootstrap" -t blip2.questions -k "vqa-$id"

# 3. the results: the record with each id, among those written since `since` (polled for 60 s)
for pair in "blip2.captions caption-$id" "blip2.answers vqa-$id"; do
  set -- $pair
  for _ in $(seq 60); do
    result=$(kcat -C -b "$bootstrap" -t "$1" -o "s@$since" -e -q -f '%s\n' |
      jq -c --arg id "$2" 'select(.id == $id) | {id, task, text, error}' | head -n 1) || true
    if [ -n "$result" ]; then echo "$result"; break; fi
    sleep 1
  done
  [ -n "$result" ] || { echo "no result for $2 within 60 s" >&2; exit 3; }
done
