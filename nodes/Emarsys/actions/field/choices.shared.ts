import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { ParameterReader } from '../../helpers/parameters';
import type { ItemResults } from '../../helpers/results';
import { requireFieldId, requireLanguage } from '../../helpers/validation';
import { languageOption, optionsCollection, resourceLocatorProperty } from '../common.descriptions';

/** What Get Single-Choice Options and Get Multi-Choice Options ask for: a field and a language. */
export function choiceListDescription(
	operation: 'getSingleChoices' | 'getMultiChoices',
	kind: 'single-choice' | 'multi-choice',
	searchListMethod: string,
): INodeProperties[] {
	return updateDisplayOptions({ show: { resource: ['field'], operation: [operation] } }, [
		resourceLocatorProperty(
			{ displayName: 'Field', name: 'fieldId', description: `The ${kind} field whose choices to list` },
			searchListMethod,
			'5',
		),
		optionsCollection([languageOption], false),
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
): Array<ChoiceListInput | undefined> {
	const params = new ParameterReader(context);
	const inputs: Array<ChoiceListInput | undefined> = new Array(items.length);
	for (let i = 0; i < items.length; i++) {
		results.check(i, () => {
			const options = params.get<IDataObject>('options', i, {});
			inputs[i] = {
				fieldId: requireFieldId(results.node, i, 'fieldId', params.get('fieldId', i, undefined, { extractValue: true })),
				language: requireLanguage(results.node, i, options.language),
			};
		});
	}
	return inputs;
}
