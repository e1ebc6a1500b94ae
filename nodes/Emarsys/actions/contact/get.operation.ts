import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { EmarsysClient } from '../../transport';
import { executeGetData, getDataDescription } from './getData.shared';

export const description = getDataDescription('get', false);

/** Contact data as Emarsys stores it (choice fields as choice IDs). */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[], client: EmarsysClient): Promise<INodeExecutionData[]> {
	return await executeGetData.call(this, items, client, false);
}
