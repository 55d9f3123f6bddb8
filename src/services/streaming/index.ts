export { validateFrame, readJpegHeader, type FrameLimits, type FrameHeader } from './frame-validator';
export { StreamSession, type Clock, type DropCause, type BackpressureState, type PendingFrame, type SessionPolicy, type SessionState, type SlowDownWarning } from './session-manager';
export { FrameScheduler, type Lane, type LaneFrame, type RequestPlace, type RunFrame, type SchedulerLimits } from './backpressure';
export { StreamService, type PipelineCatalog, type SessionOutput, type SessionRequest, type StreamAnswer, type StreamServiceDeps } from './stream-service';
export { parseControlMessage, MAX_CONTROL_MESSAGE_CHARS, type ControlMessage } from './control-message';
export { parseSessionOptions, DEFAULT_SESSION_OPTIONS, type SessionOptions } from './session-options';
export { localInferenceGate, type Admission, type InferenceGate, type PipelineList, type RequestCatalog } from './request-gate';
