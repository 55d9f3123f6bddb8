export { SessionTracker, type TrackingPolicy } from './session-tracker';
export { parseLayout, LAYOUT_LIMITS } from './layout';
export type { SceneLayout, SceneEvent, SceneCounts, Zone, CountingLine } from './zones-and-lines';
export type { TrackerPolicy } from './byte-tracker';
