export { VideoFilePipelineService, type PipelineDescription } from './video-file-pipeline-service';
export { InferenceLimiter } from './inference-limiter';
export { parseRegistry, RegistryError, type PipelineRegistry } from './registry';
