export {
  VideoFilePipelineService,
  unknownPipeline,
  type Box,
  type Detection,
  type Face,
  type FrameAnswer,
  type FrameOutcome,
  type FrameResult,
  type PipelineDescription,
  type TextLine,
} from './video-file-pipeline-service';
export { parseRegistry, RegistryError, type PipelineRegistry } from './registry';
export { parseOverrides, type FrameOverrides } from './request-overrides';
