/** Seconds over which the speed settles: short enough to follow a change of network, long enough not to flicker. */
const SMOOTHING_SECONDS = 3;
/** Progress events come every few milliseconds: measuring over less says more about timers than the network. */
const MIN_INTERVAL_SECONDS = 0.25;

/** An upload's speed, smoothed exponentially over time (bytes per second). */
export class SpeedMeter {
  private last: { at: number; bytes: number } | null = null;
  private rate: number | null = null;

  /** Takes the bytes sent so far; answers the smoothed speed, null until there is one. */
  sample(bytes: number, at = performance.now()): number | null {
    // The first sample, or a restart from a lower offset (a chunk sent again): measure from here.
    if (!this.last || bytes < this.last.bytes) {
      this.last = { at, bytes };
      return this.rate;
    }
    const seconds = (at - this.last.at) / 1000;
    if (seconds < MIN_INTERVAL_SECONDS) return this.rate;
    const instant = (bytes - this.last.bytes) / seconds;
    const weight = 1 - Math.exp(-seconds / SMOOTHING_SECONDS);
    this.rate = this.rate === null ? instant : this.rate + weight * (instant - this.rate);
    this.last = { at, bytes };
    return this.rate;
  }

  /** After a pause or a lost connection the old speed says nothing. */
  reset(): void {
    this.last = null;
    this.rate = null;
  }
}
