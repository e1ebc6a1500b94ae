import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { getMultiChoiceLists } from '../../helpers/fields';
import { ItemResults } from '../../helpers/results';
import type { EmarsysClient } from '../../transport';
import { choiceListDescription, readChoiceListInputs } from './choices.shared';

export const description = choiceListDescription('getMultiChoices', 'multi-choice', 'searchMultiChoiceFields');

/** One output item per choice. All fields asked for in one language go to Emarsys in ONE call. */
export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	client: EmarsysClient,
): Promise<INodeExecutionData[]> {
	const results = new ItemResults(this, items.length);
	const inputs = readChoiceListInputs(this, items, results);
	const fieldsByLanguage = new Map<string, string[]>();
	for (const input of inputs) {
		if (!input) continue;
		const list = fieldsByLanguage.get(input.language) ?? [];
		list.push(input.fieldId);
		fieldsByLanguage.set(input.language, list);
	}
	for (let i = 0; i < items.length; i++) {
		const input = inputs[i];
		if (!input) continue;
		await results.run(i, async () => {
			const lists = await getMultiChoiceLists(client, fieldsByLanguage.get(input.language) ?? [input.fieldId], input.language, i);
			const choices = lists[input.fieldId] ?? [];
			results.add(
				i,
				choices.map((choice) => ({
					fieldId: Number(input.fieldId),
					id: choice.id,
					choice: choice.choice,
					...(choice.bit_position !== undefined ? { bit_position: choice.bit_position } : {}),
				})),
			);
		});
	}
	return results.toItems();
}
