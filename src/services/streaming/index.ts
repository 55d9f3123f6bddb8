export { validateFrame, readJpegHeader, type FrameLimits, type FrameHeader } from './frame-validator';
export { SessionManager, StreamSession, type Clock, type DropCause, type BackpressureState, type SessionPolicy, type SlowDownWarning } from './session-manager';
export { FrameScheduler, type PendingFrame, type SchedulerHooks } from './backpressure';
