import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	NodeConnectionType,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { properties } from './actions/node.description';
import { router } from './actions/router';
import { listSearch, loadOptions, resourceMapping } from './methods';

/** One main input, one main output (a regular node). */
const MAIN: NodeConnectionType[] = [NodeConnectionTypes.Main];

export class Emarsys implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Emarsys',
		name: 'emarsys',
		icon: { light: 'file:emarsys.svg', dark: 'file:emarsys.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Read, write, search and delete SAP Emarsys contacts, manage contact lists, read segments, list and create fields and external events, and trigger events',
		defaults: { name: 'Emarsys' },
		usableAsTool: true,
		inputs: MAIN,
		outputs: MAIN,
		credentials: [
			{
				name: 'emarsysApi',
				required: true,
				displayOptions: { show: { authentication: ['wsse'] } },
			},
			{
				name: 'emarsysOAuth2Api',
				required: true,
				displayOptions: { show: { authentication: ['oAuth2'] } },
			},
		],
		properties,
	};

	methods = { listSearch, loadOptions, resourceMapping };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
