#!/usr/bin/env bash
# Docker smoke test: build the image, run it with a volume, wait for health, walk phases 1–4 over
# HTTPS with the exported CA, restart the container, check the data survived, phase 5, tear down.
# Uses whatever Docker engine is present (in this workplace .ci/run starts one with docker-sandbox).
# Prints the container log on failure. Exit 0 when every step holds.
set -uo pipefail
cd "$(dirname "$0")/../.."
IMAGE=${IMAGE:-entra-pim-emulator:smoke}
NAME=pim-smoke-$$
VOLUME=pim-smoke-data-$$
HTTP=${SMOKE_HTTP_PORT:-18080} HTTPS=${SMOKE_HTTPS_PORT:-18443} SMTP=${SMOKE_SMTP_PORT:-12525}
WORK=$(mktemp -d)
cleanup() {
  docker rm -f "$NAME" >/dev/null 2>&1
  docker volume rm -f "$VOLUME" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
die() { echo "docker smoke: FAIL $*"; echo "---- container log ----"; docker logs "$NAME" 2>&1 | tail -60; exit 1; }

start=$(date +%s)
docker build --network host -f docker/Dockerfile -t "$IMAGE" . >"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; echo "docker smoke: FAIL image build"; exit 1; }
echo "docker smoke: image built in $(( $(date +%s) - start )) s, $(docker image inspect "$IMAGE" --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}')"

run() {
  # The sandbox engine has no bridge network: host networking, loopback bind.
  docker run -d --name "$NAME" --network host -v "$VOLUME:/data" \
    -e PIM_HOST=127.0.0.1 -e PIM_HTTP_PORT=$HTTP -e PIM_HTTPS_PORT=$HTTPS -e PIM_SMTP_PORT=$SMTP \
    -e PIM_PUBLIC_URL=https://localhost:$HTTPS "$IMAGE" >/dev/null || die "docker run"
}
wait_healthy() {
  local t0; t0=$(date +%s%N)
  for _ in $(seq 1 120); do
    [[ $(docker inspect -f '{{.State.Health.Status}}' "$NAME" 2>/dev/null) == healthy ]] && { echo "docker smoke: healthy after $(( ($(date +%s%N) - t0) / 1000000 )) ms"; return 0; }
    [[ $(docker inspect -f '{{.State.Running}}' "$NAME" 2>/dev/null) == true ]] || die "container exited"
    sleep 0.5
  done
  die "container not healthy in time"
}

run
wait_healthy
curl -fsS "http://127.0.0.1:$HTTP/_emulator/ca.pem" >"$WORK/ca.pem" || die "no CA"
NODE_EXTRA_CA_CERTS=$WORK/ca.pem node test/docker/smoke.mjs "https://localhost:$HTTPS" "http://127.0.0.1:$HTTP" phases || die "phases 1-4"
docker restart "$NAME" >/dev/null || die "restart"
wait_healthy
curl -fsS "http://127.0.0.1:$HTTP/_emulator/ca.pem" | cmp -s - "$WORK/ca.pem" || die "the CA changed across the restart"
NODE_EXTRA_CA_CERTS=$WORK/ca.pem node test/docker/smoke.mjs "https://localhost:$HTTPS" "http://127.0.0.1:$HTTP" persisted || die "after restart"
echo "docker smoke: passed"
