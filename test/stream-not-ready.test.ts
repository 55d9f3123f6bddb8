/**
 * A session opened while the models are still loading is refused not_ready, close 1013. The model load is
 * held at a gate (the real load runs once the test opens it), so "still loading" is a fact when the client
 * connects, not a race against the load.
 */
import test from 'ava';

import { startServer } from '../src/framewire-server';
import { createLogger } from '../src/logger';
import { VideoFilePipelineService } from '../src/services/pipeline';
import { testConfig } from './helpers/service';
import { StreamClient } from './helpers/stream-client';

test('a session opened while models load gets not_ready and close 1013; once loaded, sessions open', async (t) => {
  const load = VideoFilePipelineService.prototype.load;
  let openGate!: () => void;
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  VideoFilePipelineService.prototype.load = async function (this: VideoFilePipelineService): Promise<void> {
    await gate;
    return load.call(this);
  };
  t.teardown(() => {
    VideoFilePipelineService.prototype.load = load;
  });
  const server = await startServer(testConfig({ FRAMEWIRE_WORKER_SLOTS: '1' }), createLogger('silent'));
  t.teardown(async () => {
    openGate();
    await server.ready;
    await server.close();
  });
  const url = `http://127.0.0.1:${server.port}`;
  const wsUrl = `ws://127.0.0.1:${server.port}/ws/video/stream`;

  t.false(server.service.ready, 'loading when the client connects');
  const early = await StreamClient.connect(`${wsUrl}?pipeline_id=detect`);
  const { code } = await early.closed;
  t.is(code, 1013);
  t.is(early.messages.length, 1);
  t.deepEqual(Object.keys(early.messages[0]).sort(), ['detail', 'error']);
  t.is(early.messages[0].error, 'not_ready');
  t.regex(early.messages[0].detail as string, /models are still loading/);
  t.false(server.service.ready, 'still loading after the refusal');
  t.is((await fetch(`${url}/readyz`)).status, 503, '/readyz agrees');
  t.is(server.streams.activeSessions, 0);
  t.regex(await (await fetch(`${url}/metrics`)).text(), /^framewire_stream_frames_rejected_total\{pipeline_id="detect",error="not_ready"\} 1$/m);

  // An unknown pipeline is still named as such while loading.
  const unknown = await StreamClient.connect(`${wsUrl}?pipeline_id=nope`);
  t.is((await unknown.closed).code, 1008);
  t.is(unknown.messages[0].error, 'invalid_pipeline');

  openGate();
  await server.ready;
  t.true(server.service.ready);
  const late = await StreamClient.session(`${wsUrl}?pipeline_id=detect`);
  t.is(late.messages[0].event, 'session_started');
  late.close();
  await late.closed;
});
