/**
 * Bench-only node: the least any n8n node doing the Emarsys node's job costs (the "n8n floor").
 * It has the Emarsys node's parameters (its description, copied), so a workflow gives it the very
 * same parameters. For every item it reads the parameters the Emarsys operation reads
 * (`Workload.reads`) through `this.getNodeParameter(name, i)` — n8n evaluates the same expressions
 * and runs the same checks — then makes exactly the floor's calls (ceil(N/1000), the same bodies
 * as the bare script) through n8n's request helper with the Emarsys WSSE credential, and outputs
 * one item per input item, the one the Emarsys node outputs (any node doing the job outputs one): the
 * contact Emarsys answered for a read, the record of what was written for a write. What the Emarsys
 * node costs beyond it is what this package adds.
 */
import type {
	IDataObject,
	IExecuteFunctions,
	IGetNodeParameterOptions,
	IHttpRequestMethods,
	INodeExecutionData,
	INodeProperties,
	INodeType,
} from 'n8n-workflow';

import type { EmarsysAnswer, EmarsysCaller } from './signed';
import { WORKLOADS, type OpName } from '../workloads';

export const N8N_FLOOR_TYPE = 'benchN8nFloor';

/** Bench-only parameters, read once: which workload's calls to make, and for which contacts. */
const BENCH_PROPERTIES: INodeProperties[] = [
	{ displayName: 'Bench Workload', name: 'benchOp', type: 'string', default: '' },
	{ displayName: 'Bench Key Prefix', name: 'benchPrefix', type: 'string', default: '' },
];

export function n8nFloorParameters(op: OpName, prefix: string): IDataObject {
	return { ...WORKLOADS[op].parameters(), benchOp: op, benchPrefix: prefix };
}

export function n8nFloorFor(emarsys: INodeType): INodeType {
	const { properties } = emarsys.description;
	// A resourceLocator parameter is read as an n8n node reads one: its value extracted.
	const locators = new Set(properties.filter((p) => p.type === 'resourceLocator').map((p) => p.name));
	const readOptions = (name: string): IGetNodeParameterOptions | undefined => (locators.has(name) ? { extractValue: true } : undefined);
	return {
		description: {
			...emarsys.description,
			name: N8N_FLOOR_TYPE,
			displayName: 'Bench n8n Floor',
			properties: [...properties, ...BENCH_PROPERTIES],
		},
		async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
			const items = this.getInputData();
			const workload = WORKLOADS[this.getNodeParameter('benchOp', 0) as OpName];
			// Every item is read before the first call and what was read is held until the calls are
			// made, as a node that checks every item before calling must (the brief: bad input gets
			// its error before any call). The values are not used otherwise: the calls' bodies are the
			// bare script's. n8n throws on a name it lacks.
			const read = items.map((_, i) => workload.reads.map((name) => this.getNodeParameter(name, i, undefined, readOptions(name))));
			const answered = await workload.floor(await callerFor(this), items.length, this.getNodeParameter('benchPrefix', 0) as string);
			if (read.length !== items.length) throw new Error('an item was not read');
			return [items.map((_, i) => ({ json: answered[i] ?? {}, pairedItem: { item: i } }))];
		},
	};
}

/** Calls through n8n's request helper, authenticated by n8n with the Emarsys WSSE credential. */
async function callerFor(ctx: IExecuteFunctions): Promise<EmarsysCaller> {
	const { baseUrl } = await ctx.getCredentials<{ baseUrl: string }>('emarsysApi');
	return {
		call: async (method, endpoint, body, params) =>
			(await ctx.helpers.httpRequestWithAuthentication.call(ctx, 'emarsysApi', {
				method: method as IHttpRequestMethods,
				url: `${baseUrl}/${endpoint}`,
				body: body as IDataObject | undefined,
				qs: params,
				json: true,
			})) as EmarsysAnswer,
	};
}
