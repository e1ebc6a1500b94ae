/**
 * Bench-only node: the floor, inside n8n. It takes the N input items, makes exactly the calls of
 * the bare floor script (same bodies, ceil(N/1000) calls) through n8n's request helper with the
 * Emarsys WSSE credential, and outputs one empty item per input item. Nothing less can do the
 * job as an n8n node: its wall time is n8n's own cost of running a node over N items and calling
 * through n8n's helper, without any of the Emarsys node's work (parameters, checks, outputs).
 */
import type { IDataObject, IExecuteFunctions, IHttpRequestMethods, INodeExecutionData, INodeType } from 'n8n-workflow';

import type { EmarsysAnswer, EmarsysCaller } from './signed';
import { WORKLOADS, type OpName } from '../workloads';

export const N8N_FLOOR_TYPE = 'benchN8nFloor';

export const n8nFloorNode: INodeType = {
	description: {
		displayName: 'Bench n8n Floor',
		name: N8N_FLOOR_TYPE,
		group: ['transform'],
		version: 1,
		description: 'Bench only: the floor calls, made through n8n',
		defaults: { name: 'Bench n8n Floor' },
		inputs: ['main'],
		outputs: ['main'],
		credentials: [{ name: 'emarsysApi', required: true }],
		properties: [
			{ displayName: 'Operation', name: 'op', type: 'string', default: '' },
			{ displayName: 'Key Prefix', name: 'prefix', type: 'string', default: '' },
		],
	},
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const op = this.getNodeParameter('op', 0) as OpName;
		const prefix = this.getNodeParameter('prefix', 0) as string;
		const { baseUrl } = await this.getCredentials<{ baseUrl: string }>('emarsysApi');
		const caller: EmarsysCaller = {
			call: async (method, endpoint, body, params) =>
				(await this.helpers.httpRequestWithAuthentication.call(this, 'emarsysApi', {
					method: method as IHttpRequestMethods,
					url: `${baseUrl}/${endpoint}`,
					body: body as IDataObject | undefined,
					qs: params,
					json: true,
				})) as EmarsysAnswer,
		};
		await WORKLOADS[op].floor(caller, items.length, prefix);
		return [items.map((_, i) => ({ json: {}, pairedItem: { item: i } }))];
	},
};
