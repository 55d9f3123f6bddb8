/**
 * A constant-velocity Kalman filter over a box (centre x, centre y, width, height), in continuous time: it
 * predicts over the real time between two frames, so a stream that drops frames (latest frame wins) or is sent
 * at one frame in three moves its tracks by the time that passed, not by a frame count.
 *
 * The model is SORT/DeepSORT's (positions observed, white-noise velocity, noise scaled by the box's size) with
 * time in seconds. Its noise is diagonal per coordinate and the measurement picks positions only, so the 8x8
 * filter splits exactly into four independent 2x2 filters (position, velocity): that is what this is.
 */

/** Process and measurement noise, as multiples of the box's size along each axis (width for x/w, height for y/h). */
export interface KalmanNoise {
  /** Measurement noise standard deviation, x box size (DeepSORT: 1/20). */
  readonly measurement: number;
  /** Position diffusion per second, x box size (standard deviation after 1 s with no motion model error). */
  readonly positionPerSecond: number;
  /** Velocity random walk per second, x box size per second. */
  readonly velocityPerSecond: number;
  /** Initial velocity standard deviation, x box size per second. */
  readonly initialVelocity: number;
}

/** DeepSORT's per-frame weights (1/20 position, 1/160 velocity) restated per second at 30 frames/s. */
export const DEFAULT_NOISE: KalmanNoise = { measurement: 1 / 20, positionPerSecond: 0.27, velocityPerSecond: 1.03, initialVelocity: 1.9 };

/** One coordinate: position p, velocity v, covariance [[pp, pv], [pv, vv]]. */
interface Axis {
  p: number;
  v: number;
  pp: number;
  pv: number;
  vv: number;
}

export class BoxKalman {
  // cx, cy, w, h
  private readonly axes: Axis[];

  constructor(
    cx: number,
    cy: number,
    w: number,
    h: number,
    private readonly noise: KalmanNoise = DEFAULT_NOISE,
  ) {
    this.axes = [cx, cy, w, h].map((p, i) => {
      const scale = i % 2 === 0 ? w : h;
      const sp = 2 * noise.measurement * scale;
      const sv = noise.initialVelocity * scale;
      return { p, v: 0, pp: sp * sp, pv: 0, vv: sv * sv };
    });
  }

  get cx(): number {
    return this.axes[0].p;
  }
  get cy(): number {
    return this.axes[1].p;
  }
  get w(): number {
    return Math.max(1, this.axes[2].p);
  }
  get h(): number {
    return Math.max(1, this.axes[3].p);
  }
  /** Centre velocity, pixels per second. */
  get velocity(): [number, number] {
    return [this.axes[0].v, this.axes[1].v];
  }

  /** Advances the state by `dtSeconds` (>= 0). `holdSize`: do not extrapolate the size (tracks not seen lately). */
  predict(dtSeconds: number, holdSize = false): void {
    if (dtSeconds <= 0) return;
    const dt = dtSeconds;
    for (let i = 0; i < 4; i++) {
      const a = this.axes[i];
      if (holdSize && i >= 2) a.v = 0;
      const scale = i % 2 === 0 ? this.w : this.h;
      const qp = (this.noise.positionPerSecond * scale) ** 2;
      const qv = (this.noise.velocityPerSecond * scale) ** 2;
      a.p += a.v * dt;
      // P = F P F' + Q, F = [[1, dt], [0, 1]]; Q: velocity random walk integrated into position, plus diffusion.
      const pp = a.pp + 2 * dt * a.pv + dt * dt * a.vv + qp * dt + (qv * dt * dt * dt) / 3;
      const pv = a.pv + dt * a.vv + (qv * dt * dt) / 2;
      const vv = a.vv + qv * dt;
      a.pp = pp;
      a.pv = pv;
      a.vv = vv;
    }
  }

  /**
   * Squared Mahalanobis distance of a measured centre from the predicted one (chi-square with 2 degrees of
   * freedom): how surprising the measurement is given the filter's own uncertainty, which grows with the time
   * since its last update.
   */
  centreDistance2(cx: number, cy: number, w: number, h: number): number {
    const [ax, ay] = this.axes;
    const rx = (this.noise.measurement * w) ** 2;
    const ry = (this.noise.measurement * h) ** 2;
    return (cx - ax.p) ** 2 / (ax.pp + rx) + (cy - ay.p) ** 2 / (ay.pp + ry);
  }

  /** Folds in a measured box (centre and size). */
  update(cx: number, cy: number, w: number, h: number): void {
    const z = [cx, cy, w, h];
    for (let i = 0; i < 4; i++) {
      const a = this.axes[i];
      const scale = i % 2 === 0 ? w : h;
      const r = (this.noise.measurement * scale) ** 2;
      const s = a.pp + r;
      const kp = a.pp / s;
      const kv = a.pv / s;
      const innovation = z[i] - a.p;
      a.p += kp * innovation;
      a.v += kv * innovation;
      // P = (I - K H) P
      const pp = (1 - kp) * a.pp;
      const pv = (1 - kp) * a.pv;
      const vv = a.vv - kv * a.pv;
      a.pp = pp;
      a.pv = pv;
      a.vv = vv;
    }
  }
}
