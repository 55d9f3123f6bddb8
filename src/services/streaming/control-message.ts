/**
 * Reads the stream's text messages. The stream takes frames as binary messages; a text message may only be a
 * control message, a JSON object with a string `type`:
 *
 *   {"type":"configure","track":true,"zones":[...],"lines":[...]}   every field but type optional
 *   {"type":"reset"}
 *
 * What is wrong with a text message decides how it is answered:
 *  - it starts with `{` but is not valid JSON, or is an object with a string `type` that is not a valid control
 *    message (unknown type, unknown field, wrong field type): `invalid_config`, and the session stays open as it
 *    was;
 *  - anything else (plain text, JSON that is not an object with a string `type`): `invalid_message`, close 1003,
 *    as for any text before control messages existed.
 * The zones and lines themselves are checked against the pipeline's labels by the tracking layout reader.
 * Pure: no I/O.
 */
import { FramewireError } from '../../errors';

export type ControlMessage =
  | { readonly type: 'configure'; readonly track?: boolean; readonly zones?: unknown; readonly lines?: unknown }
  | { readonly type: 'reset' };

/** Longest control message read, characters; a configure at the layout limits fits in a tenth of it. */
export const MAX_CONTROL_MESSAGE_CHARS = 64 * 1024;

const CONFIGURE_FIELDS = new Set(['type', 'track', 'zones', 'lines']);

const notAFrame = (): FramewireError =>
  new FramewireError('invalid_message', 'send each frame as one binary message holding a complete JPEG; text messages must be control messages, a JSON object with "type": "configure" or "reset"');
const badConfig = (detail: string): FramewireError => new FramewireError('invalid_config', detail);

export function parseControlMessage(text: string): ControlMessage | FramewireError {
  if (!text.trimStart().startsWith('{')) return notAFrame();
  if (text.length > MAX_CONTROL_MESSAGE_CHARS) return badConfig(`control messages are at most ${MAX_CONTROL_MESSAGE_CHARS} characters`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return badConfig('the control message is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return notAFrame();
  const message = parsed as Record<string, unknown>;
  if (typeof message.type !== 'string') return notAFrame();
  switch (message.type) {
    case 'reset':
      if (Object.keys(message).length !== 1) return badConfig('reset takes no fields besides "type"');
      return { type: 'reset' };
    case 'configure': {
      const unknown = Object.keys(message).filter((k) => !CONFIGURE_FIELDS.has(k));
      if (unknown.length > 0) return badConfig(`configure has no field ${JSON.stringify(unknown[0])}; it takes track, zones and lines`);
      if (message.track !== undefined && typeof message.track !== 'boolean') return badConfig('configure.track must be true or false');
      return { type: 'configure', track: message.track as boolean | undefined, zones: message.zones, lines: message.lines };
    }
    default:
      return badConfig(`unknown control message type ${JSON.stringify(message.type.slice(0, 40))}; expected "configure" or "reset"`);
  }
}
