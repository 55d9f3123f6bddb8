export type * from './result';
export * from './messages';
