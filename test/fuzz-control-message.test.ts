/**
 * Property-based fuzzing of the stream's control-message parser (issue 9's protocol fuzzer): any string is a
 * parsed message or an invalid_config / invalid_message error, never a throw of another kind; what it parses
 * is exactly what was sent.
 */
import test from 'ava';
import fc from 'fast-check';

import { FramewireError } from '../src/errors';
import { MAX_CONTROL_MESSAGE_CHARS, parseControlMessage } from '../src/services/streaming/control-message';

/** The verdict, checked for kind: a message, or one of the two documented codes. */
function parse(text: string): ReturnType<typeof parseControlMessage> {
  const result = parseControlMessage(text);
  if (result instanceof FramewireError && result.code !== 'invalid_config' && result.code !== 'invalid_message') throw new Error(`code ${result.code}`);
  return result;
}

/** Objects shaped like control messages: a type (often a real one), known and unknown fields of any JSON value. */
const controlLike = fc.record(
  {
    type: fc.oneof(fc.constantFrom('configure', 'reset', 'Configure', ''), fc.string({ maxLength: 12 }), fc.integer(), fc.constant(null)),
    track: fc.oneof(fc.boolean(), fc.jsonValue()),
    zones: fc.jsonValue(),
    lines: fc.jsonValue(),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

test('any string: a control message or invalid_config / invalid_message, never another throw', (t) => {
  fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.json(), controlLike.map((o) => JSON.stringify(o))), (text) => {
    parse(text);
  }), { numRuns: 5000 });
  t.pass();
});

test('well-formed messages parse to what was sent; anything else about them is invalid_config', (t) => {
  fc.assert(fc.property(controlLike, fc.constantFrom('', ' ', '\n\t'), (object, pad) => {
    const result = parse(pad + JSON.stringify(object));
    const keys = Object.keys(object);
    if (typeof object.type !== 'string') return result instanceof FramewireError && result.code === 'invalid_message';
    if (object.type === 'reset') return keys.length === 1 ? !(result instanceof FramewireError) && result.type === 'reset' : result instanceof FramewireError && result.code === 'invalid_config';
    if (object.type === 'configure') {
      const valid = keys.every((k) => ['type', 'track', 'zones', 'lines'].includes(k)) && (object.track === undefined || typeof object.track === 'boolean');
      if (!valid) return result instanceof FramewireError && result.code === 'invalid_config';
      return !(result instanceof FramewireError) && result.type === 'configure' && result.track === object.track &&
        JSON.stringify(result.zones) === JSON.stringify(object.zones) && JSON.stringify(result.lines) === JSON.stringify(object.lines);
    }
    return result instanceof FramewireError && result.code === 'invalid_config';
  }), { numRuns: 3000 });
  t.pass();
});

test('text that is not an object opening with { is invalid_message; an over-long one is refused before parsing', (t) => {
  fc.assert(fc.property(fc.string().filter((s) => !s.trimStart().startsWith('{')), (text) => {
    const result = parse(text);
    return result instanceof FramewireError && result.code === 'invalid_message';
  }));
  const long = parse(`{"type":"configure","zones":"${'x'.repeat(MAX_CONTROL_MESSAGE_CHARS)}"}`);
  t.true(long instanceof FramewireError && long.code === 'invalid_config');
});
