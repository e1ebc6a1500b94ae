import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { ItemParameters } from '../../helpers/parameters';
import type { ItemResults } from '../../helpers/results';
import { requireFieldId, requireLanguage } from '../../helpers/validation';
import { languageOption, optionsCollection } from '../common.descriptions';

/** What Get Single-Choice Options and Get Multi-Choice Options ask for: a field and a language. */
export function choiceListDescription(
	operation: 'getSingleChoices' | 'getMultiChoices',
	kind: 'single-choice' | 'multi-choice',
	loadOptionsMethod: string,
): INodeProperties[] {
	return updateDisplayOptions({ show: { resource: ['field'], operation: [operation] } }, [
		{
			displayName: 'Field Name or ID',
			name: 'fieldId',
			type: 'options',
			typeOptions: { loadOptionsMethod },
			default: '',
			required: true,
			description: `The ${kind} field whose choices to list. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.`,
		},
		optionsCollection([languageOption]),
	]);
}

export interface ChoiceListInput {
	fieldId: string;
	language: string;
}

/** Reads and checks every item's field and language before any call (a bad item fails alone). */
export function readChoiceListInputs(
	context: IExecuteFunctions,
	items: INodeExecutionData[],
	results: ItemResults,
	description: INodeProperties[],
): Array<ChoiceListInput | undefined> {
	const node = context.getNode();
	const params = new ItemParameters(context, description);
	const inputs: Array<ChoiceListInput | undefined> = new Array(items.length);
	for (let i = 0; i < items.length; i++) {
		results.runSync(i, () => {
			const options = params.get('options', i, {}) as IDataObject;
			inputs[i] = {
				fieldId: requireFieldId(node, i, 'fieldId', params.get('fieldId', i)),
				language: requireLanguage(node, i, options.language),
			};
		});
	}
	return inputs;
}
