/**
 * The API descriptions (docs/openapi.yaml, docs/asyncapi.yaml) as the server serves them: parsed once, and the
 * AsyncAPI document made self-contained (its references into openapi.yaml, which holds the result schemas both
 * share, become local ones), so a client gets one document it can use alone.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { parse } from 'yaml';

import { PROJECT_ROOT } from '../config';

type Json = Record<string, unknown>;

const OPENAPI_REF = 'openapi.yaml#/components/schemas/';

export const SPEC_FILES = {
  openapi: path.join(PROJECT_ROOT, 'docs', 'openapi.yaml'),
  asyncapi: path.join(PROJECT_ROOT, 'docs', 'asyncapi.yaml'),
} as const;

/** Replaces every `openapi.yaml#/components/schemas/X` reference by `#/components/schemas/X`, collecting the names. */
function localise(node: unknown, used: Set<string>): unknown {
  if (Array.isArray(node)) return node.map((n) => localise(n, used));
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) {
    if (key === '$ref' && typeof value === 'string' && value.startsWith(OPENAPI_REF)) {
      const name = value.slice(OPENAPI_REF.length);
      used.add(name);
      out[key] = `#/components/schemas/${name}`;
    } else out[key] = localise(value, used);
  }
  return out;
}

/** The AsyncAPI document with the OpenAPI schemas it uses (and theirs) copied into its components. */
export function bundleAsyncApi(asyncapi: Json, openapi: Json): Json {
  const shared = (openapi.components as { schemas: Record<string, unknown> }).schemas;
  const used = new Set<string>();
  const bundled = localise(asyncapi, used) as Json;
  const components = bundled.components as { schemas?: Record<string, unknown> };
  const schemas: Record<string, unknown> = { ...(components.schemas ?? {}) };
  // The shared schemas refer to each other with local references already: copy their whole closure.
  const pending = [...used];
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (name in schemas) continue;
    if (!(name in shared)) throw new Error(`asyncapi.yaml refers to ${OPENAPI_REF}${name}, which does not exist`);
    schemas[name] = shared[name];
    for (const match of JSON.stringify(shared[name]).matchAll(/"#\/components\/schemas\/([A-Za-z0-9_]+)"/g)) pending.push(match[1]);
  }
  components.schemas = schemas;
  return bundled;
}

export interface ApiSpecs {
  readonly openapi: Json;
  readonly asyncapi: Json;
}

let cached: ApiSpecs | undefined;

export function loadApiSpecs(): ApiSpecs {
  if (cached) return cached;
  const openapi = parse(readFileSync(SPEC_FILES.openapi, 'utf8')) as Json;
  const asyncapi = bundleAsyncApi(parse(readFileSync(SPEC_FILES.asyncapi, 'utf8')) as Json, openapi);
  cached = { openapi, asyncapi };
  return cached;
}
