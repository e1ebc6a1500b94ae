/**
 * Peak resident set size while something runs: `process.memoryUsage.rss()` sampled on an interval,
 * plus a sample at start and end. Growth = peak minus the baseline taken (after a GC when
 * `--expose-gc` is on) right before the measured work starts.
 */
export class RssSampler {
	readonly baseline: number;

	private peakBytes: number;

	private timer?: NodeJS.Timeout;

	constructor(private readonly intervalMs = 10) {
		const gc = (globalThis as { gc?: () => void }).gc;
		if (gc) gc();
		this.baseline = process.memoryUsage.rss();
		this.peakBytes = this.baseline;
	}

	start(): this {
		this.timer = setInterval(() => this.sample(), this.intervalMs);
		this.timer.unref();
		return this;
	}

	sample(): void {
		const rss = process.memoryUsage.rss();
		if (rss > this.peakBytes) this.peakBytes = rss;
	}

	stop(): { baselineMb: number; peakMb: number; growthMb: number } {
		this.sample();
		if (this.timer) clearInterval(this.timer);
		const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
		return { baselineMb: mb(this.baseline), peakMb: mb(this.peakBytes), growthMb: mb(this.peakBytes - this.baseline) };
	}
}
