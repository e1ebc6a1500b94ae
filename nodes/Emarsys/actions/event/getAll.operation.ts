import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { listForEachItem } from '../../helpers/paging';
import { getEventList } from '../../helpers/lists';
import type { EmarsysClient } from '../../transport';
import { optionsCollection, returnAllProperties } from '../common.descriptions';

const properties: INodeProperties[] = [...returnAllProperties(), optionsCollection([])];

export const description = updateDisplayOptions({ show: { resource: ['event'], operation: ['getAll'] } }, properties);

/** One output item per external event (`id`, `name`, …); Emarsys lists them all in one call (`GET event`), made once per run. */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[], client: EmarsysClient): Promise<INodeExecutionData[]> {
	return await listForEachItem(this, items, async () => await getEventList(client));
}
