/**
 * `npm run models`: fills the model cache (FRAMEWIRE_MODEL_DIR) from
 * FRAMEWIRE_MODEL_MIRROR or the manifest URLs, verifying every sha256.
 */
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { ensureModels } from './ensure-models';
import { readManifest } from './manifest';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  await ensureModels(readManifest(), config.modelDir, config.modelMirror, (file, source) =>
    log.info({ file, source, model_dir: config.modelDir }, 'model file ready'),
  );
}

main().catch((err: Error) => {
  process.stderr.write(`npm run models: ${err.message}\n`);
  process.exit(1);
});
