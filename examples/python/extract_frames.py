#!/usr/bin/env python3
"""Writes the first N frames of a video as JPEG files: python3 extract_frames.py VIDEO OUT_DIR [N]."""
import os
import sys

import cv2  # Debian: apt-get install python3-opencv


def main() -> None:
    video, out_dir = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    os.makedirs(out_dir, exist_ok=True)
    capture = cv2.VideoCapture(video)
    for i in range(count):
        ok, frame = capture.read()
        if not ok:
            break
        cv2.imwrite(os.path.join(out_dir, f"{i:05d}.jpg"), frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
    capture.release()


if __name__ == "__main__":
    main()
