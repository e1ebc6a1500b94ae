import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { getSingleChoiceList } from '../../helpers/fields';
import { ItemResults } from '../../helpers/results';
import type { EmarsysClient } from '../../transport';
import { choiceListDescription, readChoiceListInputs } from './choices.shared';

export const description = choiceListDescription('getSingleChoices', 'single-choice', 'searchSingleChoiceFields');

/** One output item per choice; one call per distinct field and language per run. */
export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	client: EmarsysClient,
): Promise<INodeExecutionData[]> {
	const results = new ItemResults(this, items.length);
	const inputs = readChoiceListInputs(this, items, results);
	for (let i = 0; i < items.length; i++) {
		const input = inputs[i];
		if (!input) continue;
		await results.run(i, async () => {
			const choices = await getSingleChoiceList(client, input.fieldId, input.language, i);
			results.add(
				i,
				choices.map((choice) => ({ fieldId: Number(input.fieldId), id: choice.id, choice: choice.choice })),
			);
		});
	}
	return results.toItems();
}
