/**
 * The only way tests and benchmarks load @u4/opencv4nodejs.
 *
 * By default it installs a custom cv::Mat allocator with
 * cv::Mat::setDefaultAllocator. That is process-wide state in the shared
 * libopencv_core, so it also counts the Framewire addon's Mats, allocated on
 * libuv threads, and later reports the totals to V8 from inside GC
 * finalizers. We saw V8 abort with "Check failed: marking_done_" in 3 of 4
 * runs that loaded it after the Framewire addon. Turning the tracking off
 * before the module initialises avoids that. The server never loads this
 * package.
 */
process.env.OPENCV4NODEJS_DISABLE_EXTERNAL_MEM_TRACKING = '1';

// Its build helper prints its build settings on every load, into every test's output: silence it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
(require('@u4/opencv-build') as { Log: { silence: boolean } }).Log.silence = true;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cv = require('@u4/opencv4nodejs') as typeof import('@u4/opencv4nodejs').default;

export default cv;
export type { Mat } from '@u4/opencv4nodejs';
