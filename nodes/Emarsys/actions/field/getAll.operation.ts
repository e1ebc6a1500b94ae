import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { getFieldList } from '../../helpers/fields';
import { ParameterReader } from '../../helpers/parameters';
import { ItemResults } from '../../helpers/results';
import { requireLanguage } from '../../helpers/validation';
import type { EmarsysClient } from '../../transport';
import { languageOption, optionsCollection } from '../common.descriptions';

const properties: INodeProperties[] = [
	optionsCollection([languageOption], false),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['field'], operation: ['getAll'] } },
	properties,
);

/** One output item per field of the account; the list is fetched once per language per run. */
export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	client: EmarsysClient,
): Promise<INodeExecutionData[]> {
	const results = new ItemResults(this, items.length);
	const params = new ParameterReader(this);
	const languages: string[] = [];
	for (let i = 0; i < items.length; i++) {
		results.check(i, () => {
			const options = params.get<IDataObject>('options', i, {});
			languages[i] = requireLanguage(results.node, i, options.language);
		});
	}
	for (let i = 0; i < items.length; i++) {
		await results.run(i, async () => {
			const fields = await getFieldList(client, languages[i]);
			results.add(
				i,
				fields.map((field) => ({
					id: field.id,
					name: field.name,
					application_type: field.application_type,
					string_id: field.string_id ?? '',
				})),
			);
		});
	}
	return results.toItems();
}
