import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { deepCopy, updateDisplayOptions } from 'n8n-workflow';

import { wantedCount } from '../../helpers/paging';
import { ParameterReader } from '../../helpers/parameters';
import { ItemResults } from '../../helpers/results';
import { getSegmentList } from '../../helpers/segments';
import type { EmarsysClient } from '../../transport';
import { optionsCollection, returnAllProperties } from '../common.descriptions';

const properties: INodeProperties[] = [...returnAllProperties(), optionsCollection([])];

export const description = updateDisplayOptions({ show: { resource: ['segment'], operation: ['getAll'] } }, properties);

/** One output item per segment (`id`, `name`, `type`, …); Emarsys lists them all in one call, made once per run. */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[], client: EmarsysClient): Promise<INodeExecutionData[]> {
	const results = new ItemResults(this, items.length);
	const params = new ParameterReader(this);
	for (let i = 0; i < items.length; i++) {
		await results.run(i, async () => {
			const wanted = wantedCount(params, i);
			const segments = await getSegmentList(client);
			// Each item gets its own copies: a later node changing one must not change the other.
			results.add(i, deepCopy(wanted === undefined ? segments : segments.slice(0, wanted)));
		});
	}
	return results.toItems();
}
