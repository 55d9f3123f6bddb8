/**
 * Streams a folder of JPEG frames through the SDK and prints one line per answer.
 *
 *   Make a folder of frames first, e.g. 50 frames of a video with Debian's python3-opencv:
 *     python3 examples/python/extract_frames.py ../shared/media/vtest.avi frames 50
 *   then, with the server running (npm start):
 *     node dist/examples/node-stream.js frames [http://127.0.0.1:8080] [detect]
 *
 * Frames are read one at a time, when it is their turn: never the whole folder (or a video) in memory.
 * In your own project, import from 'framewire/client' instead of '../src/client'.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

import { connect } from '../src/client';

async function main(): Promise<void> {
  const [dir, url = 'http://127.0.0.1:8080', pipeline = 'detect'] = process.argv.slice(2);
  if (!dir) throw new Error('usage: node-stream.js FRAMES_DIR [URL] [PIPELINE]');
  const files = (await readdir(dir)).filter((f) => /\.jpe?g$/i.test(f)).sort();
  const session = await connect({ url, pipeline, reconnect: true });
  session.on('slow_down', (w) => console.warn(`server suggests ${w.suggested_fps} fps`)); // the SDK paces itself
  session.on('reconnect', (e) => console.warn(`reconnected: session ${e.sessionId}`));
  for (const file of files) {
    const answer = await session.send(await readFile(path.join(dir, file))); // one frame in flight
    if ('result' in answer) {
      const labels = (answer.result.detections ?? []).map((d) => d.label);
      console.log(`${file} frame ${answer.frame_index}: ${labels.length} objects ${labels.join(', ')}`);
    } else if ('dropped' in answer) console.log(`${file} frame ${answer.frame_index}: dropped (${answer.cause})`);
    else console.log(`${file} frame ${answer.frame_index}: ${answer.error} ${answer.detail}`);
  }
  await session.close();
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
