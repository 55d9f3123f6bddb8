/** `npm start`: reads the config from the environment and serves until SIGTERM/SIGINT. */
import { loadConfig } from './config';
import { startServer } from './framewire-server';
import { createLogger } from './logger';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  let server;
  try {
    server = await startServer(config, log);
  } catch (err) {
    log.fatal({ err }, `cannot start: ${(err as Error).message}`);
    process.exit(1);
  }
  const running = server;
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: answering accepted frames, closing sessions');
    running.close().then(
      () => {
        log.info('shutdown complete');
        process.exit(0);
      },
      (err: Error) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // Listening from here on, so a stop while the models still load (an orchestrator scaling in) is graceful too.
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  try {
    await running.ready;
  } catch (err) {
    log.fatal({ err }, `cannot start: ${(err as Error).message}`);
    process.exit(1);
  }
}

main().catch((err: Error) => {
  process.stderr.write(`framewire: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
