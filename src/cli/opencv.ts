/**
 * Loads @u4/opencv4nodejs for the CLI (video in, JPEG encode, drawing, MP4 out), or explains how to install it.
 * It is an optional dependency built against the system OpenCV by `bash scripts/setup.sh test`; a server-only
 * install (`setup.sh server`) has no copy of it, so the part of its API the CLI uses is typed here rather than
 * imported from its typings.
 */

export interface Point2 {
  readonly x: number;
  readonly y: number;
}
export type Vec3 = object;
export type Size = object;

export interface Mat {
  readonly rows: number;
  readonly cols: number;
  readonly empty: boolean;
  drawRectangle(pt0: Point2, pt1: Point2, color?: Vec3, thickness?: number, lineType?: number): void;
  drawLine(pt0: Point2, pt1: Point2, color?: Vec3, thickness?: number, lineType?: number): void;
  drawCircle(center: Point2, radius: number, color?: Vec3, thickness?: number, lineType?: number): void;
  drawPolylines(pts: Point2[][], isClosed: boolean, color?: Vec3, thickness?: number, lineType?: number): void;
  putText(text: string, origin: Point2, fontFace: number, fontScale: number, color?: Vec3, thickness?: number, lineType?: number): void;
}

export interface VideoCapture {
  get(property: number): number;
  read(): Mat;
  readAsync(): Promise<Mat>;
  release(): void;
}

export interface VideoWriter {
  write(img: Mat): void;
  release(): void;
}

export interface OpenCv {
  VideoCapture: new (source: string | number) => VideoCapture;
  VideoWriter: { new (file: string, fourcc: number, fps: number, size: Size, isColor?: boolean): VideoWriter; fourcc(code: string): number };
  Vec3: new (a: number, b: number, c: number) => Vec3;
  Point2: new (x: number, y: number) => Point2;
  Size: new (width: number, height: number) => Size;
  imencodeAsync(ext: string, img: Mat, flags?: number[]): Promise<Buffer>;
  imdecodeAsync(bytes: Buffer): Promise<Mat>;
  readonly CAP_PROP_FPS: number;
  readonly CAP_PROP_FRAME_COUNT: number;
  readonly IMWRITE_JPEG_QUALITY: number;
  readonly FONT_HERSHEY_SIMPLEX: number;
  readonly LINE_AA: number;
}

export const INSTALL_HINT = 'bash scripts/setup.sh test   (builds @u4/opencv4nodejs against the system OpenCV)';

let loaded: OpenCv | undefined;

export function loadOpenCv(): OpenCv {
  if (loaded) return loaded;
  // Its process-wide cv::Mat allocator hook is not wanted (see test/helpers/opencv.ts); the CLI needs no tracking.
  process.env.OPENCV4NODEJS_DISABLE_EXTERNAL_MEM_TRACKING = '1';
  try {
    // Its build helper prints its build settings on every load; the CLI's output is for the user.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('@u4/opencv-build') as { Log: { silence: boolean } }).Log.silence = true;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require('@u4/opencv4nodejs') as OpenCv;
  } catch (err) {
    throw new Error(`framewire stream needs @u4/opencv4nodejs (reading video, encoding JPEG, writing MP4), which is not installed or did not build (${(err as Error).message.split('\n')[0]}). Install it with:\n  ${INSTALL_HINT}`);
  }
  return loaded;
}
