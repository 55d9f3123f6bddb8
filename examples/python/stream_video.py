#!/usr/bin/env python3
"""Streams a video to Framewire and prints each answer as one JSON line.

Needs Debian's python3-websockets and python3-opencv (apt-get install python3-websockets python3-opencv):

    python3 examples/python/stream_video.py ../shared/media/vtest.avi --pipeline detect_fast --max-frames 50

One frame is in flight at a time: read a frame, encode it to JPEG, send it, wait for its answer, send the next.
So the server never has to drop one, and `slow_down` is honoured by spacing frames to `suggested_fps`. On close
codes 1001, 1006, 1011, 1012 and 1013, and when the upgrade is refused with HTTP 502, 503 (a server draining for
a shutdown) or 504, it reconnects with backoff (a new session); on any other close or refusal it stops.
"""
import argparse
import asyncio
import json
import random
import sys
import time
import urllib.parse

import cv2
import websockets

RETRYABLE = {1001, 1006, 1011, 1012, 1013}
RETRYABLE_UPGRADE_STATUSES = {502, 503, 504}


def refused_status(err: Exception):
    """The HTTP status of a refused upgrade (websockets 10: InvalidStatusCode; 11 and later: InvalidStatus)."""
    status = getattr(err, "status_code", None)
    response = getattr(err, "response", None)
    return status if status is not None else getattr(response, "status_code", None)


def stream_url(base: str, pipeline: str) -> str:
    parts = urllib.parse.urlsplit(base)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    query = urllib.parse.urlencode({"pipeline_id": pipeline})
    return f"{scheme}://{parts.netloc}/ws/video/stream?{query}"


async def stream_session(url: str, frames, args, state) -> None:
    """One session: sends frames until the source ends; raises ConnectionClosed when the server closes."""
    async with websockets.connect(url, max_size=None) as ws:
        started = json.loads(await ws.recv())
        if started.get("event") != "session_started":
            raise RuntimeError(f"session refused: {started}")
        print(f"session {started['session_id']}", file=sys.stderr)
        while True:
            frame = state.get("pending") or next(frames, None)
            if frame is None:
                return
            state["pending"] = frame
            if state["min_interval"] and time.monotonic() < state["pace_until"]:
                await asyncio.sleep(max(0.0, state["last_sent"] + state["min_interval"] - time.monotonic()))
            await ws.send(frame)
            state["last_sent"] = time.monotonic()
            while True:  # read until this frame's answer
                message = json.loads(await ws.recv())
                if message.get("warning") == "slow_down":
                    state["min_interval"] = 1.0 / max(message["suggested_fps"], 0.1)
                    state["pace_until"] = time.monotonic() + 5
                    continue
                if message.get("event") == "draining":
                    continue  # stop sending: the answer and then the close (1001) follow; the reconnect sends on
                print(json.dumps(message), flush=True)
                if "frame_index" in message:
                    state["pending"] = None
                    break
                if "error" in message:
                    raise RuntimeError(f"{message['error']}: {message['detail']}")


def jpeg_frames(video: str, max_frames: int, quality: int):
    capture = cv2.VideoCapture(video)
    try:
        for _ in range(max_frames):
            ok, image = capture.read()
            if not ok:
                return
            ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
            yield jpeg.tobytes()
    finally:
        capture.release()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video")
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--pipeline", default="detect")
    parser.add_argument("--max-frames", type=int, default=10**9)
    parser.add_argument("--quality", type=int, default=85)
    args = parser.parse_args()
    frames = jpeg_frames(args.video, args.max_frames, args.quality)
    state = {"pending": None, "min_interval": 0.0, "pace_until": 0.0, "last_sent": 0.0}
    attempt = 0
    while True:
        try:
            await stream_session(stream_url(args.url, args.pipeline), frames, args, state)
            return 0
        except websockets.ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else 1006
            if code not in RETRYABLE or attempt >= 10:
                print(f"closed {code}", file=sys.stderr)
                return 1
        except websockets.InvalidHandshake as err:  # the upgrade was refused with an HTTP status
            status = refused_status(err)
            print(f"upgrade refused: HTTP {status}", file=sys.stderr)
            if status not in RETRYABLE_UPGRADE_STATUSES or attempt >= 10:
                return 1
        except OSError as err:  # refused: the server is restarting
            print(f"connect failed: {err}", file=sys.stderr)
            if attempt >= 10:
                return 1
        attempt += 1
        await asyncio.sleep(min(10.0, 0.25 * 2 ** attempt) * random.uniform(0.5, 1.0))


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
