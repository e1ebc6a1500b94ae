import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { EmarsysClient } from '../../transport';
import { executeGetData, getDataDescription } from './getData.shared';

export const description = getDataDescription('getWithChoiceLabels', true);

/**
 * Contact data with single- and multi-choice values as their labels. Costs one field-list call plus
 * one call per single-choice field returned plus one call for all multi-choice fields, per run.
 */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[], client: EmarsysClient): Promise<INodeExecutionData[]> {
	return await executeGetData.call(this, items, client, true);
}
