/**
 * node dist/test/sanitizers/write-spec.js OUT_FILE [NAME=VALUE...]
 *
 * Writes the engine spec the server would build (its config from the environment, plus the NAME=VALUE
 * overrides) in native/core/spec_file.cc's line format, for the C++ stress programs the sanitizer scripts run.
 */
import { writeConfiguredSpecFile } from '../../bench/native/spec-file';

const [file, ...overrides] = process.argv.slice(2);
if (!file) throw new Error('usage: write-spec.js OUT_FILE [NAME=VALUE...]');
const env: Record<string, string | undefined> = { ...process.env };
for (const o of overrides) {
  const eq = o.indexOf('=');
  if (eq < 1) throw new Error(`expected NAME=VALUE, got ${o}`);
  env[o.slice(0, eq)] = o.slice(eq + 1);
}
writeConfiguredSpecFile(file, env);
