import type { INodeProperties } from 'n8n-workflow';

import { resourceLocatorProperty } from '../common.descriptions';

/** The contact list an operation works on: From list (searchable) or By ID. */
export function contactListIdProperty(description: string): INodeProperties {
	return resourceLocatorProperty({ displayName: 'Contact List', name: 'contactListId', description }, 'searchContactLists', '900001');
}

/** n8n's convention for list operations: Return All, or at most Limit results. */
export const returnAllProperties: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { returnAll: [false] } },
	},
];

/** Returns All, or the Limit (a whole number of at least 1) as a number. */
export function limitOf(returnAll: unknown, limit: unknown): number {
	if (returnAll === true) return Infinity;
	const n = typeof limit === 'number' ? limit : Number(limit);
	return Number.isFinite(n) && n >= 1 ? Math.floor(n) : 50;
}

/** An entry of GET contactlist. */
export interface ContactListRow {
	id: string | number;
	name: string;
	created?: string;
	type?: number;
}
