/**
 * The node resolves a subset of expressions (`{{ $json.a }}`, object literals of such paths) by
 * itself instead of through n8n's engine (nodes/Emarsys/helpers/expressions.ts). These tests run
 * both on real n8n-core, item by item: a test-only node reads each parameter through the node's
 * ItemParameters and through n8n's own getNodeParameter, and the two must agree — same value, or
 * the same error. They also check that the subset really skips n8n (no getNodeParameter call per
 * item), so that agreement is not just both sides asking n8n.
 */
import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

import { ItemParameters } from '../../nodes/Emarsys/helpers/parameters';
import { createHarness } from '../helpers/n8n-harness';

const properties: INodeProperties[] = [
	{ displayName: 'Text', name: 'text', type: 'string', default: '' },
	{ displayName: 'Data', name: 'data', type: 'json', default: '{}' },
	{ displayName: 'Checked', name: 'checked', type: 'string', default: '', validateType: 'number' },
	{
		displayName: 'Columns',
		name: 'columns',
		type: 'resourceMapper',
		noDataExpression: true,
		default: { mappingMode: 'defineBelow', value: null },
		typeOptions: {
			resourceMapper: {
				resourceMapperMethod: 'unused',
				mode: 'map',
				fieldWords: { singular: 'field', plural: 'fields' },
				addAllFields: false,
				multiKeyMatch: false,
				supportAutoMap: true,
			},
		},
	},
];

/** Parameter names the comparing node reads (from the `read` parameter, comma-separated). */
interface Comparison {
	name: string;
	fast?: unknown;
	fastError?: string;
	n8n?: unknown;
	n8nError?: string;
	/** getNodeParameter calls ItemParameters made for this item and parameter. */
	n8nCalls: number;
}

const comparingNode: INodeType = {
	description: {
		displayName: 'Compare Parameters',
		name: 'compareParameters',
		group: ['transform'],
		version: 1,
		description: 'Test-only: reads parameters through ItemParameters and through n8n',
		defaults: { name: 'Compare Parameters' },
		inputs: ['main'],
		outputs: ['main'],
		properties: [{ displayName: 'Read', name: 'read', type: 'string', default: '' }, ...properties],
	} as INodeTypeDescription,
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const names = (this.getNodeParameter('read', 0) as string).split(',');
		let calls = 0;
		const counting = Object.create(this) as IExecuteFunctions;
		counting.getNodeParameter = ((...args: Parameters<IExecuteFunctions['getNodeParameter']>) => {
			calls++;
			return (this.getNodeParameter as (...a: unknown[]) => unknown)(...args);
		}) as IExecuteFunctions['getNodeParameter'];
		const params = new ItemParameters(counting, properties);
		const out: INodeExecutionData[] = [];
		this.getInputData().forEach((_, i) => {
			const comparisons: Comparison[] = names.map((name) => {
				const comparison: Comparison = { name, n8nCalls: 0 };
				const before = calls;
				try {
					comparison.fast = params.get(name, i);
				} catch (error) {
					comparison.fastError = (error as Error).message;
				}
				comparison.n8nCalls = calls - before;
				try {
					comparison.n8n = this.getNodeParameter(name, i);
				} catch (error) {
					comparison.n8nError = (error as Error).message;
				}
				return comparison;
			});
			out.push({ json: { comparisons } as unknown as IDataObject, pairedItem: { item: i } });
		});
		return [out];
	},
};

const harness = createHarness({ nodeTypes: [comparingNode], credentialTypes: [] });

async function compare(parameters: IDataObject, inputItems: IDataObject[]): Promise<Comparison[][]> {
	const names = Object.keys(parameters).map((name) => (name === 'columns' ? 'columns.value' : name));
	const { items, error } = await harness.runNode({
		nodeType: 'compareParameters',
		parameters: { read: names.join(','), ...parameters },
		inputItems,
	});
	if (error) throw error;
	return items.map((item) => (item.json as unknown as { comparisons: Comparison[] }).comparisons);
}

function expectAgreement(comparison: Comparison): void {
	if (comparison.n8nError !== undefined) {
		expect({ name: comparison.name, error: comparison.fastError }).toEqual({ name: comparison.name, error: comparison.n8nError });
	} else {
		expect({ name: comparison.name, value: comparison.fast, error: comparison.fastError }).toEqual({
			name: comparison.name,
			value: comparison.n8n,
			error: undefined,
		});
	}
}

const INPUTS: IDataObject[] = [
	{ email: 'ada@example.com', 'first name': 'Ada', n: 0, total: -12.5, yes: true, no: false, nothing: null, list: ['a', 'b'], nested: { deep: { value: 'x"y\'z' } } },
	{ email: 'Ünïcødé 🙂 <b>', 'first name': '', n: 1e21, total: 3, yes: false, no: true, nothing: null, list: [], nested: { deep: {} } },
	{ email: '', n: -0, nested: 'not an object' },
	{},
];

describe('expression fast path agrees with n8n-core', () => {
	const inSubset = [
		'={{ $json.email }}',
		'={{$json.email}}',
		'={{ $json["first name"] }}',
		"={{ $json['first name'] }}",
		'={{ $json.n }}',
		'={{ $json.total }}',
		'={{ $json.yes }}',
		'={{ $json.no }}',
		'={{ $json.nothing }}',
		'={{ $json.list[1] }}',
		'={{ $json.nested.deep.value }}',
		'={{ $json .nested ["deep"] . value }}',
		"={{ 'literal' }}",
		'={{ -2.5 }}',
		'={{ null }}',
	];

	it.each(inSubset)('%s: same value as n8n for every item', async (expression) => {
		const rows = await compare({ text: expression }, INPUTS);
		expect(rows).toHaveLength(INPUTS.length);
		for (const [comparison] of rows) expectAgreement(comparison);
	});

	it('resolves the subset without asking n8n (for items whose path holds a primitive)', async () => {
		const rows = await compare({ text: '={{ $json.email }}' }, INPUTS.slice(0, 3));
		expect(rows.map(([comparison]) => comparison.n8nCalls)).toEqual([0, 0, 0]);
	});

	const outsideSubset = [
		'={{ $json.email.toUpperCase() }}',
		'=Hello {{ $json.email }}',
		'={{ $json.email }} ',
		'={{ $json.n + 1 }}',
		'={{ $json.list }}',
		'={{ $json.nested }}',
		'={{ $json.missing }}',
		'={{ $json.list.length }}',
		'={{ $json.constructor }}',
		'={{ $json.__proto__ }}',
		"={{ $json['constructor'] }}",
		'={{ $json }}',
		'={{ 1e3 }}',
		'={{ 0x10 }}',
		'={{ "a\\"b" }}',
		'={{ $input.item.json.email }}',
		'={{ { a: 1 } }}}',
		'={{ $json.email }}{{ $json.n }}',
	];

	it.each(outsideSubset)('%s: left to n8n, same result', async (expression) => {
		const rows = await compare({ text: expression }, INPUTS);
		for (const [comparison] of rows) expectAgreement(comparison);
	});

	it('object literals of paths and literals (event data) equal n8n, without asking n8n', async () => {
		const expression =
			"={{ { order_id: $json.email, total: $json.total, 'quoted key': 'lit', \"n\": -2.5, t: true, f: false, z: null, nested: { name: $json['first name'], deep: $json.nested.deep.value }, } }}";
		const rows = await compare({ data: expression }, INPUTS.slice(0, 1));
		expectAgreement(rows[0][0]);
		expect(rows[0][0].fast).toEqual({
			order_id: 'ada@example.com',
			total: -12.5,
			'quoted key': 'lit',
			n: -2.5,
			t: true,
			f: false,
			z: null,
			nested: { name: 'Ada', deep: 'x"y\'z' },
		});
		expect(rows[0][0].n8nCalls).toBe(0);
	});

	it.each([
		'={{ { a: $json.missing } }}',
		'={{ { a: $json.list } }}',
		'={{ { a: 1, a: 2 } }}',
		'={{ { __proto__: 1 } }}',
		'={{ { a: $json.email.trim() } }}',
		'={{ { "x.constructor": 1 } }}',
		'={{ { [$json.email]: 1 } }}',
		'={{ { a: 1 } + 1 }}',
	])('%s: left to n8n, same result', async (expression) => {
		const rows = await compare({ data: expression }, INPUTS);
		for (const [comparison] of rows) expectAgreement(comparison);
	});

	it('a parameter n8n checks against validateType stays with n8n', async () => {
		const rows = await compare({ checked: '={{ $json.email }}' }, INPUTS.slice(0, 2));
		for (const [comparison] of rows) {
			expectAgreement(comparison);
			expect(comparison.n8nCalls).toBe(1);
		}
	});

	describe('resource mapper values get n8n type checks', () => {
		const schema = [
			{ id: '1', displayName: 'Text', type: 'string' },
			{ id: '2', displayName: 'Number', type: 'number' },
			{ id: '3', displayName: 'Flag', type: 'boolean' },
			{ id: '4', displayName: 'Choice', type: 'options', options: [{ name: 'One', value: '1' }, { name: 'Two', value: '2' }] },
			{ id: '5', displayName: 'Date', type: 'dateTime' },
			{ id: '6', displayName: 'Untyped' },
		].map((field) => ({ required: false, defaultMatch: false, display: true, canBeUsedToMatch: true, ...field }));
		const columns = (value: IDataObject) => ({ mappingMode: 'defineBelow', value, matchingColumns: [], schema });

		it('valid values: same (converted) values as n8n, without asking n8n', async () => {
			const inputs = [
				{ text: 'plain', number: 42, flag: true, choice: '2', date: '2026-11-27' },
				{ text: 7, number: '3.5', flag: 'false', choice: '1', date: '2026-11-27T10:00:00Z' },
			];
			const rows = await compare(
				{
					columns: columns({
						'1': '={{ $json.text }}',
						'2': '={{ $json.number }}',
						'3': '={{ $json.flag }}',
						'4': '={{ $json.choice }}',
						'5': '={{ $json.date }}',
						'6': 'constant',
					}),
				},
				inputs,
			);
			for (const [comparison] of rows) {
				expect(comparison.n8nError).toBeUndefined();
				// Dates come back as Luxon DateTime on both sides: compare them as ISO text.
				const normalise = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
				expect(normalise(comparison.fast)).toEqual(normalise(comparison.n8n));
				expect(comparison.n8nCalls).toBe(0);
			}
		});

		it.each([
			['2', 'not a number'],
			['3', 'maybe'],
			['4', '9'],
			['5', 'not a date'],
		])('an invalid value for field %s (%s) fails with n8n’s own error', async (fieldId, bad) => {
			const rows = await compare({ columns: columns({ [fieldId]: '={{ $json.value }}' }) }, [{ value: bad }]);
			const [comparison] = rows[0];
			expect(comparison.n8nError).toEqual(expect.stringContaining(`Invalid input for '${fieldId}'`));
			expectAgreement(comparison);
		});

		it('a column outside the subset sends the whole value to n8n', async () => {
			const rows = await compare({ columns: columns({ '1': '={{ $json.text.toUpperCase() }}', '2': '={{ $json.number }}' }) }, [
				{ text: 'abc', number: 1 },
			]);
			const [comparison] = rows[0];
			expectAgreement(comparison);
			expect(comparison.fast).toEqual({ '1': 'ABC', '2': 1 });
			expect(comparison.n8nCalls).toBe(1);
		});
	});
});
