/**
 * Bench-only control node: the Emarsys node's description (same parameters, same expressions)
 * without any call. Its execute reads, for every item, the parameters the Emarsys operation reads,
 * through n8n's getNodeParameter, and returns one empty item per input item. Timing it shows what
 * n8n-core spends evaluating those parameters per item (expressions included): the cost the
 * Emarsys node avoids by reading constant parameters once and resolving `{{ $json… }}`
 * expressions itself (helpers/parameters.ts).
 */
import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

/** Parameter names each operation reads per item (see nodes/Emarsys/actions/*). */
const READS: Record<string, string[]> = {
	'contact.upsert': ['keyId', 'contactId', 'columns.mappingMode', 'columns.value', 'columns.schema', 'createIfMissing', 'options'],
	'contact.get': ['keyId', 'contactId', 'fields', 'options'],
	'contact.getWithChoiceLabels': ['keyId', 'contactId', 'fields', 'options'],
	'event.trigger': ['eventId', 'keyId', 'contactId', 'eventData', 'options'],
};

export const PARAMETER_READER_TYPE = 'benchParameterReader';

export function parameterReaderFor(emarsys: INodeType): INodeType {
	const description: INodeTypeDescription = {
		...emarsys.description,
		name: PARAMETER_READER_TYPE,
		displayName: 'Bench Parameter Reader',
		credentials: [],
	};
	return {
		description,
		async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
			const items = this.getInputData();
			const key = `${this.getNodeParameter('resource', 0) as string}.${this.getNodeParameter('operation', 0) as string}`;
			const names = READS[key] ?? [];
			const out: INodeExecutionData[] = [];
			let sink = 0;
			for (let i = 0; i < items.length; i++) {
				for (const name of names) {
					// As the upsert does: in automatic mapping, the item itself is the data (no columns.value).
					if (name === 'columns.value' && this.getNodeParameter('columns.mappingMode', i, '') === 'autoMapInputData') continue;
					const value = this.getNodeParameter(name, i, undefined);
					if (value !== undefined) sink++;
				}
				out.push({ json: {}, pairedItem: { item: i } });
			}
			if (sink < 0) throw new Error('unreachable');
			return [out];
		},
	};
}
