import type { IDataObject } from 'n8n-workflow';

import type { EmarsysClient } from '../transport';

/** A segment as `GET filter` lists it. */
export interface EmarsysSegment extends IDataObject {
	id: number | string;
	name: string;
}

/** The segments of the account (`GET filter`, all in one answer), fetched once per run or dropdown. */
export async function getSegmentList(client: EmarsysClient): Promise<EmarsysSegment[]> {
	return await client.cached('segments', async () => {
		const reply = await client.request<EmarsysSegment[]>({ method: 'GET', endpoint: 'filter', retryable: true });
		return Array.isArray(reply.data) ? reply.data : [];
	});
}

/** An external event as `GET event` lists it. */
export interface EmarsysEvent extends IDataObject {
	id: number | string;
	name: string;
}

/** The external events of the account (`GET event`, all in one answer), fetched once per run or dropdown. */
export async function getEventList(client: EmarsysClient): Promise<EmarsysEvent[]> {
	return await client.cached('events', async () => {
		const reply = await client.request<EmarsysEvent[]>({ method: 'GET', endpoint: 'event', retryable: true });
		return Array.isArray(reply.data) ? reply.data : [];
	});
}
