/** The mutable state of one running sandbox, shared by the pipeline and the hooks. */
import type { Authenticator } from './auth';
import type { Faults } from './faults';
import type { RequestLog } from './log';
import type { RateLimiter } from './ratelimit';
import type { ContactStore } from './store';

/** Settings changeable at run time (`PUT /__sandbox/config`). */
export interface SandboxConfig {
	rateLimitPerMinute: number;
	tokenTtlSeconds: number;
	/** Rate-limit window; 60 as Emarsys documents, shorter only so that tests need not wait a minute. */
	rateLimitWindowSeconds: number;
}

export interface SandboxState {
	store: ContactStore;
	auth: Authenticator;
	faults: Faults;
	limiter: RateLimiter;
	log: RequestLog;
	/** Server clock (real time shifted by the clockSkewSeconds fault). */
	now: () => number;
	quiet: boolean;
	config: SandboxConfig;
	defaults: SandboxConfig;
	/** JWT secret of the Webhook node preset the sandbox plays (sandbox/webhook.ts). */
	webhookSecret: string;
}
