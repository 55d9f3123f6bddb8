export type * from './result';
export * from './messages';
export { FACE_LABEL } from './labels';
