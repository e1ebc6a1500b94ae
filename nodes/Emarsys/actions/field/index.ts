import type { INodeProperties } from 'n8n-workflow';

import * as create from './create.operation';
import * as getAll from './getAll.operation';
import * as getMultiChoices from './getMultiChoices.operation';
import * as getSingleChoices from './getSingleChoices.operation';

export { create, getAll, getMultiChoices, getSingleChoices };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['field'] } },
		options: [
			{
				name: 'Create',
				value: 'create',
				description: 'Create a contact field (text, date, URL or numeric)',
				action: 'Create a field',
			},
			{
				name: 'Get Many',
				value: 'getAll',
				description: 'List the fields available in the account',
				action: 'List available fields',
			},
			{
				name: 'Get Multi-Choice Options',
				value: 'getMultiChoices',
				description: 'List the choices of a multi-choice field',
				action: 'List available choices of a multi choice field',
			},
			{
				name: 'Get Single-Choice Options',
				value: 'getSingleChoices',
				description: 'List the choices of a single-choice field',
				action: 'List available choices of a single choice field',
			},
		],
		default: 'getAll',
	},
	...getAll.description,
	...getSingleChoices.description,
	...getMultiChoices.description,
	...create.description,
];
