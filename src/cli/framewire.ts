#!/usr/bin/env node
/**
 * The `framewire` command. Argument parsing is commander (the most used, well-kept parser: subcommands, typed
 * option coercion, generated --help); the progress bar is cli-progress (see stream-command.ts).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { Command, InvalidArgumentError, Option } from 'commander';

import { FramewireClientError } from '../client';
import { inferCommand } from './infer-command';
import { streamCommand } from './stream-command';

const ROOT = path.resolve(__dirname, '..', '..', '..');

function number(min: number, max: number, integer = false) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`);
    }
    return n;
  };
}

/** The flags `npm start` gives Node, so `framewire serve` runs the server exactly as it does. */
function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  return pkg.scripts.start.split(/\s+/).filter((w) => w.startsWith('--'));
}

function runNode(args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit', cwd: ROOT });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function run(action: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await action();
  } catch (err) {
    if (err instanceof FramewireClientError) {
      process.stderr.write(`framewire: ${err.code}: ${err.detail}${err.closeCode !== undefined ? ` (close ${err.closeCode})` : ''}\n`);
    } else {
      process.stderr.write(`framewire: ${(err as Error).message}\n`);
    }
    process.exitCode = 1;
  }
}

const program = new Command();
program.name('framewire').description('Framewire client: stream video to the server, run REST inference, serve.').showHelpAfterError();

const url = new Option('--url <url>', 'server base URL').default('http://127.0.0.1:8080');
const pipeline = new Option('--pipeline <id>', 'pipeline id (GET /v1/pipelines)').default('detect');
const minScore = new Option('--min-score <score>', 'score threshold for this request, replacing the pipeline\'s').argParser(number(0, 1));
const classes = new Option('--classes <labels>', 'only these labels, comma-separated (e.g. person,car)');

program
  .command('stream')
  .description('stream a video file, a folder of JPEGs, an RTSP/HTTP URL or a camera index')
  .argument('<source>', 'video file, JPEG folder, rtsp://... / http://... URL, or camera index (0)')
  .addOption(url)
  .addOption(pipeline)
  .option('--token <token>', 'the stream bearer token (STREAM_AUTH_TOKEN)')
  .option('--track', 'turn tracking on')
  .option('--zones <file.json>', 'zones and lines to configure: {"zones":[...],"lines":[...]}')
  .option('--max-frames <n>', 'stop after N frames', number(1, Number.MAX_SAFE_INTEGER, true))
  .addOption(new Option('--fps <n>', 'send at most N frames/s (default: a file\'s own fps)').argParser(number(0.1, 1000)).conflicts('asFastAsPossible'))
  .option('--as-fast-as-possible', 'no pacing: send each frame as soon as the window allows')
  .option('--quality <q>', 'JPEG quality', number(1, 100, true), 85)
  .option('--window <n>', 'frames in flight at most', number(1, 16, true), 1)
  .option('--jsonl <file>', 'write each answer, as the server sent it, one per line')
  .option('--out <file.mp4>', 'write every frame read, annotated, as MP4')
  .option('--fourcc <code>', 'the MP4 codec: avc1 (H.264, plays in browsers) or mp4v (MPEG-4 Part 2)', 'avc1')
  .addOption(minScore)
  .addOption(classes)
  .option('--reconnect', 'open a new session after 1001/1006/1011/1012/1013')
  .option('--no-progress', 'no progress bar')
  .action((source: string, opts) => run(() => streamCommand(source, opts)));

program
  .command('infer')
  .description('run REST inference on JPEG images and print JSON (or a table)')
  .argument('<images...>', 'JPEG files')
  .addOption(url)
  .addOption(pipeline)
  .option('--table', 'print a table instead of JSON')
  .addOption(minScore)
  .addOption(classes)
  .action((images: string[], opts) => run(() => inferCommand(images, opts)));

program
  .command('serve')
  .description('run the server, as `npm start` does (configuration from the environment: docs/configuration.md)')
  .action(() => run(() => runNode([...startFlags(), path.join(ROOT, 'dist', 'src', 'server.js')])));

program
  .command('models')
  .description('fetch and verify the model files, as `npm run models` does')
  .action(() => run(() => runNode([path.join(ROOT, 'dist', 'src', 'models', 'cli.js')])));

program.parseAsync().catch((err: Error) => {
  process.stderr.write(`framewire: ${err.message}\n`);
  process.exitCode = 1;
});
