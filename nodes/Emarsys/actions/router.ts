import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { EmarsysClient } from '../transport';
import { clientSettingsOf } from './common.descriptions';
import * as contact from './contact';
import * as contactList from './contactList';
import * as event from './event';
import * as field from './field';
import * as segment from './segment';

type OperationModule = {
	execute: (
		this: IExecuteFunctions,
		items: INodeExecutionData[],
		client: EmarsysClient,
	) => Promise<INodeExecutionData[]>;
};

const operations: Record<string, Record<string, OperationModule>> = {
	contact: {
		get: contact.get,
		getWithChoiceLabels: contact.getWithChoiceLabels,
		upsert: contact.upsert,
		delete: contact.delete,
		search: contact.search,
	},
	contactList: {
		getAll: contactList.getAll,
		create: contactList.create,
		addContacts: contactList.addContacts,
		removeContacts: contactList.removeContacts,
		getContacts: contactList.getContacts,
	},
	event: {
		trigger: event.trigger,
		create: event.create,
		getAll: event.getAll,
	},
	field: {
		getAll: field.getAll,
		getSingleChoices: field.getSingleChoices,
		getMultiChoices: field.getMultiChoices,
		create: field.create,
	},
	segment: {
		getAll: segment.getAll,
		getContacts: segment.getContacts,
		containsContact: segment.containsContact,
	},
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const module = operations[resource]?.[operation];
	if (!module) {
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" of "${resource}" is not supported`);
	}
	// Request options apply to the whole run (its calls serve many items): read for the first item.
	const options = (items.length > 0 ? this.getNodeParameter('options', 0, {}) : {}) as IDataObject;
	const settings = clientSettingsOf(options);
	// The Field operations are the way to read the field list and choices: always as they are now.
	if (resource === 'field') settings.metadataCacheMs = 0;
	const client = EmarsysClient.forContext(this, settings);
	const output = await module.execute.call(this, items, client);
	return [output];
}
