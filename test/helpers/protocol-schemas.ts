/**
 * The API descriptions' schemas as validators (ajv, JSON Schema 2020-12), so tests check what the server really
 * sends against docs/asyncapi.yaml and docs/openapi.yaml: the descriptions cannot drift from the server unnoticed.
 * test/helpers/stream-client.ts runs every stream message of every test through checkServerMessage.
 */
import Ajv2020 from 'ajv/dist/2020';

import { loadApiSpecs } from '../../src/api/api-specs';

const OPENAPI = 'https://framewire.local/openapi.json';
const ASYNCAPI = 'https://framewire.local/asyncapi.json';

let ajv: Ajv2020 | undefined;
function validator(): Ajv2020 {
  if (ajv) return ajv;
  const specs = loadApiSpecs();
  ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema(specs.openapi, OPENAPI);
  ajv.addSchema(specs.asyncapi, ASYNCAPI);
  return ajv;
}

function check(ref: string, value: unknown): string | undefined {
  const validate = validator().getSchema(ref);
  if (!validate) throw new Error(`no schema at ${ref}`);
  if (validate(value)) return undefined;
  return `${ref}: ${validator().errorsText(validate.errors)} in ${JSON.stringify(value).slice(0, 400)}`;
}

/** Which AsyncAPI messages a server message may be, by its shape. */
function messageKinds(m: Record<string, unknown>): string[] {
  if (m.event === 'session_started') return ['SessionStarted'];
  if (m.event === 'configured') return ['Configured'];
  if (m.event === 'reset') return ['ResetDone'];
  if (m.event === 'draining') return ['Draining'];
  if (m.warning !== undefined) return ['SlowDown'];
  if ('result' in m) return ['Result'];
  if ('dropped' in m) return ['Dropped'];
  if ('error' in m) return m.frame_index === undefined ? ['SessionError'] : ['FrameError', 'SessionError'];
  return [];
}

/** Undefined when the message is one docs/asyncapi.yaml describes; otherwise why not. */
export function checkServerMessage(message: unknown): string | undefined {
  const kinds = messageKinds(message as Record<string, unknown>);
  if (kinds.length === 0) return `not a message docs/asyncapi.yaml describes: ${JSON.stringify(message).slice(0, 200)}`;
  const problems = kinds.map((k) => check(`${ASYNCAPI}#/components/messages/${k}/payload`, message));
  return problems.some((p) => p === undefined) ? undefined : problems.join('; ');
}

/** Undefined when `value` matches docs/openapi.yaml's components/schemas/NAME. */
export function checkRestSchema(name: string, value: unknown): string | undefined {
  return check(`${OPENAPI}#/components/schemas/${name}`, value);
}

// Compile every schema now, when a test file imports this helper, not at the first message: compiling takes most
// of a second, and a test's server runs in the same process (a blocked event loop would miss pings and let frames
// go stale, as if the server were slow).
for (const kind of ['SessionStarted', 'Configured', 'ResetDone', 'Draining', 'SlowDown', 'Result', 'Dropped', 'FrameError', 'SessionError']) {
  validator().getSchema(`${ASYNCAPI}#/components/messages/${kind}/payload`);
}
for (const name of ['FrameResult', 'PipelineList', 'Error']) validator().getSchema(`${OPENAPI}#/components/schemas/${name}`);
