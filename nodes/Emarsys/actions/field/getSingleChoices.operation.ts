import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { getSingleChoiceList } from '../../helpers/fields';
import { ItemParameters } from '../../helpers/parameters';
import { ItemResults } from '../../helpers/results';
import { requireFieldId, requireLanguage } from '../../helpers/validation';
import type { EmarsysClient } from '../../transport';
import { languageOption, optionsCollection } from '../common.descriptions';

const properties: INodeProperties[] = [
	{
		displayName: 'Field Name or ID',
		name: 'fieldId',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getSingleChoiceFields' },
		default: '',
		required: true,
		description:
			'The single-choice field whose choices to list. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
	optionsCollection([languageOption]),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['field'], operation: ['getSingleChoices'] } },
	properties,
);

/** One output item per choice; one call per distinct field and language per run. */
export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	client: EmarsysClient,
): Promise<INodeExecutionData[]> {
	const node = this.getNode();
	const results = new ItemResults(this, items.length);
	const params = new ItemParameters(this, description);
	const inputs: Array<{ fieldId: string; language: string }> = [];
	for (let i = 0; i < items.length; i++) {
		results.runSync(i, () => {
			const options = params.get('options', i, {}) as IDataObject;
			inputs[i] = {
				fieldId: requireFieldId(node, i, 'fieldId', params.get('fieldId', i)),
				language: requireLanguage(node, i, options.language),
			};
		});
	}
	for (let i = 0; i < items.length; i++) {
		await results.run(i, async () => {
			const { fieldId, language } = inputs[i];
			const choices = await getSingleChoiceList(client, fieldId, language, i);
			results.add(
				i,
				choices.map((choice) => ({ fieldId: Number(fieldId), id: choice.id, choice: choice.choice })),
			);
		});
	}
	return results.toItems();
}
