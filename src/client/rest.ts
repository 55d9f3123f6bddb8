import type { FrameResult } from '../protocol/result';
import { FramewireClientError } from './errors';

export interface InferOptions {
  /** The server: http(s)://host:port. */
  readonly url: string;
  readonly pipeline: string;
  /** Score threshold replacing the pipeline's (0 < min_score <= 1). */
  readonly minScore?: number;
  /** Only these labels. */
  readonly classes?: string[];
  readonly requestId?: string;
}

/** POST /v1/pipelines/:id/infer with one JPEG; resolves with the result, rejects with the server's error code. */
export async function infer(jpeg: Uint8Array | Blob, options: InferOptions): Promise<FrameResult> {
  const url = new URL(`/v1/pipelines/${encodeURIComponent(options.pipeline)}/infer`, options.url);
  if (options.minScore !== undefined) url.searchParams.set('min_score', String(options.minScore));
  if (options.classes !== undefined) url.searchParams.set('classes', options.classes.join(','));
  const headers: Record<string, string> = { 'Content-Type': 'image/jpeg' };
  if (options.requestId !== undefined) headers['X-Request-Id'] = options.requestId;
  const response = await fetch(url, { method: 'POST', headers, body: jpeg as NonNullable<Parameters<typeof fetch>[1]>['body'] });
  const body = (await response.json()) as FrameResult | { error: string; detail: string };
  if (!response.ok || 'error' in body) {
    const error = body as { error: string; detail: string };
    throw new FramewireClientError((error.error ?? 'internal_error') as never, `${error.detail ?? response.statusText} (HTTP ${response.status})`);
  }
  return body;
}
