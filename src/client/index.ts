/**
 * framewire/client: the TypeScript SDK for Framewire's stream (and REST) API, for Node and the browser.
 *
 *   const s = await connect({ url: 'http://127.0.0.1:8080', pipeline: 'detect' });
 *   const answer = await s.send(jpegBytes);   // this frame's result, drop or error
 *   await s.close();
 */
export { connect, StreamClient, answerText, answerLatencyMs, streamUrl, type ConnectOptions, type ReconnectOptions, type CloseEvent, type ReconnectEvent, type SessionEvents, type FrameData } from './session';
export { infer, type InferOptions } from './rest';
export { FramewireClientError, type ClientErrorCode } from './errors';
export type * from '../protocol/result';
export * from '../protocol/messages';
