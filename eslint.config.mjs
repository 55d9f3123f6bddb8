import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The layers (docs/architecture.md): api -> services/streaming -> services/pipeline -> native/binding.
// Each may import only what lies below it; these rules hold that.
const layer = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
const nativeBinding = { group: ['**/native/binding', '**/native/binding.js'], message: 'Only src/services/pipeline talks to the addon; import result types from services/pipeline.' };
const api = { group: ['**/api/**', '**/api'], message: 'Services never call up into the transport layer.' };
const streaming = { group: ['**/services/streaming', '**/services/streaming/**'], message: 'The pipeline service sits below streaming.' };
const pipeline = { group: ['**/services/pipeline', '**/services/pipeline/**'], message: 'Tracking is pure: it reads results handed to it.' };

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
  { files: ['src/api/**/*.ts'], rules: layer([nativeBinding]) },
  { files: ['src/services/streaming/**/*.ts'], rules: layer([nativeBinding, api]) },
  { files: ['src/services/pipeline/**/*.ts'], rules: layer([api, streaming]) },
  // Tracking is pure policy: the streaming service hands it results and times; it imports no other layer.
  { files: ['src/services/tracking/**/*.ts'], rules: layer([nativeBinding, api, streaming, pipeline]) },
  // The SDK and the protocol types run in browsers too: no Node built-ins, nothing of the server but the error codes.
  { files: ['src/client/**/*.ts', 'src/protocol/**/*.ts', 'demo/**/*.ts'], rules: layer([nativeBinding, api, streaming, serverOnly, nodeBuiltins]) },
  // The CLI is a client: it talks to the server through the SDK only.
  { files: ['src/cli/**/*.ts'], rules: layer([nativeBinding, api, streaming, serverOnly]) },
);
