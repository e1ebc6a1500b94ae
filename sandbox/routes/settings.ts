/**
 * GET settings
 *
 * Chosen (the payload is documented only by example, "Get Settings"): id, environment, timezone,
 * name, password_history_queue_size, country, total_contacts. Values are the sandbox's own; the
 * node only uses this endpoint to test credentials.
 */
import { SEED_SETTINGS } from '../seed';
import { ok, type Reply, type RouteContext } from '../http';

export function getSettings(ctx: RouteContext): Reply {
	return ok({ ...SEED_SETTINGS, total_contacts: ctx.store.size });
}
