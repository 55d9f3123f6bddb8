import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The layers (docs/architecture.md): api -> services/streaming -> services/pipeline -> native/binding.
// Each may import only the layer just below it (src/protocol, errors, config, logger and metrics are shared by
// all); these rules hold that, and test/layer-rules.test.ts checks that they catch what they are meant to.
const layer = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
const nativeBinding = { group: ['**/native/binding', '**/native/binding.js'], message: 'Only src/services/pipeline talks to the addon; import result types from services/pipeline.' };
const native = { group: ['**/native', '**/native/**'], message: 'The transport never touches the addon: it calls services/streaming, which calls the pipeline service.' };
const belowStreaming = { group: ['**/services/pipeline', '**/services/pipeline/**', '**/services/tracking', '**/services/tracking/**'], message: 'src/api calls only services/streaming (the request gate, the stream service, the scheduler); types come re-exported from there or from src/protocol.' };
const api = { group: ['**/api/**', '**/api'], message: 'Services never call up into the transport layer.' };
// A sibling service is imported as '../streaming', which '**/services/streaming' does not match: hence both forms.
const service = (name) => [`**/services/${name}`, `**/services/${name}/**`, `../${name}`, `../${name}/**`];
const streaming = { group: service('streaming'), message: 'The pipeline service sits below streaming.' };
const pipeline = { group: service('pipeline'), message: 'Tracking is pure: it reads results handed to it.' };
const tracking = { group: service('tracking'), message: 'The pipeline service sits below tracking: shared constants live in src/protocol.' };

const serverOnly = { group: ['**/services/**', '**/services', '**/config', '**/logger', '**/metrics'], message: 'Clients (src/client, src/cli, demo) use the SDK and src/protocol, not the server.' };
const nodeBuiltins = { group: ['node:*', 'fs', 'path', 'http', 'net', 'crypto', 'os'], message: 'The SDK runs in browsers: no Node built-ins (ws is loaded only where no WebSocket exists).' };

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', '.models/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  { files: ['src/api/**/*.ts'], rules: layer([native, belowStreaming]) },
  { files: ['src/services/streaming/**/*.ts'], rules: layer([nativeBinding, api]) },
  { files: ['src/services/pipeline/**/*.ts'], rules: layer([api, streaming, tracking]) },
  // Tracking is pure policy: the streaming service hands it results and times; it imports no other layer.
  { files: ['src/services/tracking/**/*.ts'], rules: layer([nativeBinding, api, streaming, pipeline]) },
  // The SDK and the protocol types run in browsers too: no Node built-ins, nothing of the server but the error codes.
  { files: ['src/client/**/*.ts', 'src/protocol/**/*.ts', 'demo/**/*.ts'], rules: layer([nativeBinding, api, streaming, serverOnly, nodeBuiltins]) },
  // The CLI is a client: it talks to the server through the SDK only.
  { files: ['src/cli/**/*.ts'], rules: layer([nativeBinding, api, streaming, serverOnly]) },
);
