/**
 * The browser demo at /demo: a webcam or a local video file streamed through the SDK (framewire/client), with
 * boxes, labels and track ids drawn over the video, live answer rate, latency and drops, and a counting line drawn
 * with the mouse. Plain DOM, no framework; bundled by esbuild in `npm run build` (scripts/build-demo.mjs).
 *
 * The loop is the SDK's flow control: capture a frame, `await send()` its answer, capture the next. One frame is
 * in flight, so the server never has to drop one, whatever the camera's rate.
 */
import { connect, FramewireClientError, type FrameAnswerMessage, type FrameResult, type Line, type StreamClient } from '../src/client';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const video = $<HTMLVideoElement>('video');
const overlay = $<HTMLCanvasElement>('overlay');
const pipelineSelect = $<HTMLSelectElement>('pipeline');
const sourceSelect = $<HTMLSelectElement>('source');
const fileInput = $<HTMLInputElement>('file');
const tokenInput = $<HTMLInputElement>('token');
const trackBox = $<HTMLInputElement>('track');
const startButton = $<HTMLButtonElement>('start');
const stopButton = $<HTMLButtonElement>('stop');
const clearLineButton = $<HTMLButtonElement>('clear-line');

/** What the page has done so far; the Chromium test reads it (test/demo-browser.test.ts). */
const state = {
  results: 0,
  dropped: 0,
  boxesDrawn: 0,
  errors: [] as string[],
  configured: 0,
  lastResult: undefined as FrameResult | undefined,
  latencies: [] as number[],
  answerTimes: [] as number[],
};
(window as unknown as { framewireDemo: typeof state }).framewireDemo = state;

let client: StreamClient | undefined;
let running = false;
let line: Line | undefined;
let dragFrom: [number, number] | undefined;
let dragTo: [number, number] | undefined;
const capture = document.createElement('canvas');

function setStatus(text: string): void {
  $('status').textContent = text;
}

async function loadPipelines(): Promise<void> {
  const response = await fetch('/v1/pipelines');
  const body = (await response.json()) as { default_pipeline: string; pipelines: { id: string; description: string }[] };
  for (const p of body.pipelines) {
    const option = new Option(`${p.id}`, p.id, p.id === body.default_pipeline, p.id === body.default_pipeline);
    option.title = p.description;
    pipelineSelect.add(option);
  }
}

async function openSource(): Promise<void> {
  video.srcObject = null;
  video.removeAttribute('src');
  if (sourceSelect.value === 'camera') {
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
  } else {
    const file = fileInput.files?.[0];
    if (!file) throw new Error('choose a video file first');
    video.src = URL.createObjectURL(file);
    video.loop = true;
  }
  await video.play();
  if (!video.videoWidth) await new Promise((resolve) => video.addEventListener('loadedmetadata', resolve, { once: true }));
}

function captureFrame(): Promise<Blob> {
  capture.width = video.videoWidth;
  capture.height = video.videoHeight;
  (capture.getContext('2d') as CanvasRenderingContext2D).drawImage(video, 0, 0);
  return new Promise((resolve, reject) => capture.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('toBlob failed'))), 'image/jpeg', 0.85));
}

const COLOURS = ['#ff3838', '#ff9d97', '#ff701f', '#ffb21d', '#cfd231', '#48f90a', '#92cc17', '#3ddb86', '#00d4bb', '#009ad1', '#00c2ff', '#344593'];
function colourFor(label: string): string {
  let h = 0;
  for (const c of label) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return COLOURS[h % COLOURS.length];
}

function draw(result: FrameResult | undefined): void {
  overlay.width = video.videoWidth;
  overlay.height = video.videoHeight;
  const g = overlay.getContext('2d') as CanvasRenderingContext2D;
  g.clearRect(0, 0, overlay.width, overlay.height);
  g.lineWidth = 2;
  g.font = '13px system-ui, sans-serif';
  for (const d of result?.detections ?? []) {
    const colour = colourFor(d.label);
    g.strokeStyle = colour;
    g.strokeRect(d.box.x, d.box.y, d.box.width, d.box.height);
    const text = `${d.track_id !== undefined ? `#${d.track_id} ` : ''}${d.label} ${d.score.toFixed(2)}`;
    const y = d.box.y > 16 ? d.box.y - 16 : d.box.y;
    g.fillStyle = colour;
    g.fillRect(d.box.x, y, g.measureText(text).width + 6, 16);
    g.fillStyle = '#fff';
    g.fillText(text, d.box.x + 3, y + 12);
    state.boxesDrawn += 1;
  }
  for (const f of result?.faces ?? []) {
    g.strokeStyle = '#0f0';
    g.strokeRect(f.box.x, f.box.y, f.box.width, f.box.height);
    for (const [x, y] of f.landmarks) g.fillRect(x - 1, y - 1, 3, 3);
    state.boxesDrawn += 1;
  }
  const shown = dragFrom && dragTo ? { from: dragFrom, to: dragTo } : line;
  if (shown) {
    g.strokeStyle = '#f00';
    g.lineWidth = 3;
    g.beginPath();
    g.moveTo(shown.from[0], shown.from[1]);
    g.lineTo(shown.to[0], shown.to[1]);
    g.stroke();
  }
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function showAnswer(answer: FrameAnswerMessage, latencyMs: number): void {
  const now = performance.now();
  state.answerTimes.push(now);
  while (state.answerTimes.length > 0 && now - state.answerTimes[0] > 2000) state.answerTimes.shift();
  if ('result' in answer) {
    state.results += 1;
    state.lastResult = answer.result;
    state.latencies.push(latencyMs);
    if (state.latencies.length > 50) state.latencies.shift();
    draw(answer.result);
    const labels: Record<string, number> = {};
    for (const d of answer.result.detections ?? []) labels[d.label] = (labels[d.label] ?? 0) + 1;
    if (answer.result.faces) labels.face = answer.result.faces.length;
    $('objects').textContent = Object.entries(labels).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
    const counts = answer.result.counts;
    if (counts) {
      const perLabel = (c: Record<string, number>): string => Object.entries(c).map(([label, n]) => `${label} ${n}`).join(', ') || '0';
      $('counts').textContent = Object.entries(counts.lines).map(([id, c]) => `${id}: in ${perLabel(c.in)} | out ${perLabel(c.out)}`).join('; ') || '-';
    }
  } else if ('dropped' in answer) state.dropped += 1;
  else state.errors.push(`${answer.error}: ${answer.detail}`);
  $('results').textContent = String(state.results);
  $('dropped').textContent = String(state.dropped);
  $('fps').textContent = (state.answerTimes.length / 2).toFixed(1);
  const p50 = median(state.latencies);
  $('latency').textContent = p50 === undefined ? '-' : `${p50.toFixed(0)} ms`;
}

async function streamLoop(session: StreamClient): Promise<void> {
  while (running) {
    if (video.readyState < 2 || video.videoWidth === 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    const frame = await captureFrame();
    const sentAt = performance.now();
    const answer = await session.send(frame); // waits for this frame's own answer: one in flight
    showAnswer(answer, performance.now() - sentAt);
  }
}

async function start(): Promise<void> {
  startButton.disabled = true;
  try {
    setStatus('opening source');
    await openSource();
    setStatus('connecting');
    client = await connect({
      url: location.origin, // the page's own server: no hard-coded host or port
      pipeline: pipelineSelect.value,
      token: tokenInput.value || undefined,
      track: trackBox.checked,
      lines: line ? [line] : undefined,
      reconnect: true,
    });
    client.on('slow_down', (w) => setStatus(`server suggests ${w.suggested_fps} fps`));
    client.on('configured', () => (state.configured += 1));
    client.on('reconnect', () => setStatus(`reconnected: session ${client?.sessionId}`));
    client.on('close', (e) => { if (!e.willReconnect) setStatus(`closed ${e.code}${e.error ? `: ${e.error.code}` : ''}`); });
    running = true;
    stopButton.disabled = false;
    clearLineButton.disabled = false;
    setStatus(`streaming (session ${client.sessionId?.slice(0, 8)})`);
    await streamLoop(client);
  } catch (err) {
    const message = err instanceof FramewireClientError ? `${err.code}: ${err.detail}` : (err as Error).message;
    state.errors.push(message);
    setStatus(message);
  } finally {
    running = false;
    startButton.disabled = false;
    stopButton.disabled = true;
  }
}

async function stop(): Promise<void> {
  running = false;
  await client?.close();
  client = undefined;
  (video.srcObject as MediaStream | null)?.getTracks().forEach((t) => t.stop());
  setStatus('stopped');
}

function toFrame(event: MouseEvent): [number, number] {
  const rect = overlay.getBoundingClientRect();
  return [Math.round(((event.clientX - rect.left) / rect.width) * overlay.width), Math.round(((event.clientY - rect.top) / rect.height) * overlay.height)];
}

overlay.addEventListener('mousedown', (event) => {
  dragFrom = toFrame(event);
  dragTo = dragFrom;
});
overlay.addEventListener('mousemove', (event) => {
  if (dragFrom) {
    dragTo = toFrame(event);
    draw(state.lastResult);
  }
});
overlay.addEventListener('mouseup', async (event) => {
  if (!dragFrom) return;
  const from = dragFrom;
  const to = toFrame(event);
  dragFrom = dragTo = undefined;
  if (from[0] === to[0] && from[1] === to[1]) return;
  line = { id: 'line', from, to };
  trackBox.checked = true;
  draw(state.lastResult);
  if (client) {
    try {
      await client.configure({ track: true, lines: [line] });
      setStatus('line configured');
    } catch (err) {
      setStatus(`configure failed: ${(err as Error).message}`);
    }
  }
});

clearLineButton.addEventListener('click', async () => {
  line = undefined;
  if (client) await client.configure({ track: trackBox.checked, lines: [] }).catch((err: Error) => setStatus(err.message));
});
sourceSelect.addEventListener('change', () => {
  if (sourceSelect.value === 'file') fileInput.click();
});
$('controls').addEventListener('submit', (event) => {
  event.preventDefault();
  void start();
});
stopButton.addEventListener('click', () => void stop());

loadPipelines().catch((err: Error) => setStatus(`cannot list pipelines: ${err.message}`));
