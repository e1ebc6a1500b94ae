import type { INodeProperties } from 'n8n-workflow';

import { resourceLocatorProperty } from '../common.descriptions';

/** The contact list an operation works on: From list (searchable) or By ID. */
export function contactListIdProperty(description: string): INodeProperties {
	return resourceLocatorProperty({ displayName: 'Contact List', name: 'contactListId', description }, 'searchContactLists', '900001');
}

/** An entry of GET contactlist. */
export interface ContactListRow {
	id: string | number;
	name: string;
	created?: string;
	type?: number;
}
