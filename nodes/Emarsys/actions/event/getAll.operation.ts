import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { deepCopy, updateDisplayOptions } from 'n8n-workflow';

import { wantedCount } from '../../helpers/paging';
import { ParameterReader } from '../../helpers/parameters';
import { ItemResults } from '../../helpers/results';
import type { EmarsysClient } from '../../transport';
import { optionsCollection, returnAllProperties } from '../common.descriptions';

const properties: INodeProperties[] = [...returnAllProperties(), optionsCollection([])];

export const description = updateDisplayOptions({ show: { resource: ['event'], operation: ['getAll'] } }, properties);

/** One output item per external event (`id`, `name`, …); Emarsys lists them all in one call (`GET event`), made once per run. */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[], client: EmarsysClient): Promise<INodeExecutionData[]> {
	const results = new ItemResults(this, items.length);
	const params = new ParameterReader(this);
	for (let i = 0; i < items.length; i++) {
		await results.run(i, async () => {
			const wanted = wantedCount(params, i);
			const events = await client.cached('events', async () => {
				const reply = await client.request<IDataObject[]>({ method: 'GET', endpoint: 'event', retryable: true });
				return Array.isArray(reply.data) ? reply.data : [];
			});
			results.add(i, deepCopy(wanted === undefined ? events : events.slice(0, wanted)));
		});
	}
	return results.toItems();
}
