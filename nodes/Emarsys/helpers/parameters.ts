import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	NodeParameterValueType,
	ResourceMapperField,
} from 'n8n-workflow';
import { validateFieldType } from 'n8n-workflow';

import { compileJsonExpression, resolveJsonExpression, type CompiledExpression } from './expressions';

/** True when a raw (unresolved) parameter value holds an n8n expression anywhere inside it. */
function holdsExpression(value: unknown): boolean {
	if (typeof value === 'string') return value.startsWith('=');
	if (Array.isArray(value)) return value.some(holdsExpression);
	if (value && typeof value === 'object') return Object.values(value).some(holdsExpression);
	return false;
}

/** How a parameter with expressions is read without n8n's engine (see helpers/expressions.ts). */
type FastPlan =
	| { kind: 'expression'; compiled: CompiledExpression }
	/** A resource mapper's `value`: per column an expression or a constant, then n8n's type checks. */
	| {
			kind: 'mapperValue';
			columns: Array<[string, CompiledExpression | { constant: unknown }]>;
			schema: Map<string, ResourceMapperField>;
			strict: boolean;
			parseStrings: boolean;
	  };

/**
 * Reads node parameters per item. n8n resolves a parameter anew for every item it is read for,
 * copying it even when it holds no expression, and evaluates every expression with a fresh
 * workflow data proxy; over thousands of items that costs more than the Emarsys calls. So:
 *  - a parameter (or dotted path inside one, e.g. `columns.schema`) without any expression has
 *    the same value for every item: read once and shared (callers must not mutate it);
 *  - an expression in the `$json` subset of helpers/expressions.ts (`{{ $json.email }}`, object
 *    literals of such paths) is resolved directly from the item; a resource mapper's values then
 *    get the same type checks n8n applies. Whatever the subset can't decide goes to n8n.
 */
export class ItemParameters {
	/** Per parameter name: its value when it holds no expression, else how to resolve it per item. */
	private readonly readers = new Map<string, { constant: unknown } | { plan: FastPlan | null }>();

	private inputItems?: INodeExecutionData[];

	/** The node's raw parameters (n8n's getNode() copies the node on every call). */
	private readonly rawParameters: unknown;

	/** `properties`: the running operation's own parameter descriptions. */
	constructor(
		private readonly ctx: IExecuteFunctions,
		private readonly properties: INodeProperties[],
	) {
		this.rawParameters = ctx.getNode().parameters;
	}

	get<T = unknown>(name: string, itemIndex: number, fallback?: T): T {
		let reader = this.readers.get(name);
		if (reader === undefined) {
			const raw = this.raw(name);
			if (raw !== undefined && holdsExpression(raw)) {
				reader = { plan: this.planFor(name, raw) ?? null };
				this.readers.set(name, reader);
			}
		} else if ('constant' in reader) {
			return reader.constant as T;
		}
		if (reader?.plan) {
			const fast = this.resolveFast(reader.plan, itemIndex);
			if (fast) return fast.value as T;
		}
		const value = this.ctx.getNodeParameter(name, itemIndex, fallback as NodeParameterValueType) as T;
		if (reader === undefined) this.readers.set(name, { constant: value });
		return value;
	}

	private resolveFast(plan: FastPlan, itemIndex: number): { value: unknown } | undefined {
		this.inputItems ??= this.ctx.getInputData();
		const json = this.inputItems[itemIndex]?.json;
		if (json === undefined) return undefined;
		if (plan.kind === 'expression') return resolveJsonExpression(plan.compiled, json);

		const values: IDataObject = {};
		for (const [column, source] of plan.columns) {
			const resolved = 'constant' in source ? { value: source.constant } : resolveJsonExpression(source, json);
			if (!resolved) return undefined;
			values[column] = resolved.value as IDataObject[string];
		}
		// n8n's checks of a resource mapper value (n8n-core validateValueAgainstSchema); a value they
		// refuse goes to n8n, which then reports it in its own words.
		for (const column of Object.keys(values)) {
			const field = plan.schema.get(column);
			if (!field?.type) continue;
			// n8n passes text through a 'string' column unchanged when it does not parse strings; its
			// check would only build an error message it then drops (the costly part, per value).
			if (field.type === 'string' && !plan.parseStrings && typeof values[column] === 'string') continue;
			const checked = validateFieldType(column, values[column], field.type, {
				valueOptions: field.options,
				strict: plan.strict,
				parseStrings: plan.parseStrings,
			});
			if (!checked.valid) return undefined;
			values[column] = checked.newValue as IDataObject[string];
		}
		return { value: values };
	}

	private planFor(name: string, raw: unknown): FastPlan | undefined {
		const path = name.split('.');
		const property = this.property(path[0]);
		if (!property) return undefined;
		if (path.length === 1 && typeof raw === 'string') {
			// n8n checks a top-level value against `validateType`; those stay with n8n.
			if (property.validateType) return undefined;
			const compiled = compileJsonExpression(raw);
			return compiled ? { kind: 'expression', compiled } : undefined;
		}
		if (path.length === 2 && path[1] === 'value' && property.type === 'resourceMapper' && raw && typeof raw === 'object' && !Array.isArray(raw)) {
			const mapper = this.raw(path[0]) as { schema?: ResourceMapperField[]; attemptToConvertTypes?: boolean; convertFieldsToString?: boolean };
			const options = property.typeOptions?.resourceMapper;
			// Required-field checks apply in n8n's 'add' mode only; keep that mode with n8n.
			if (!options || options.mode === 'add') return undefined;
			const columns: Array<[string, CompiledExpression | { constant: unknown }]> = [];
			for (const [column, value] of Object.entries(raw as Record<string, unknown>)) {
				if (typeof value === 'string' && value.startsWith('=')) {
					const compiled = compileJsonExpression(value);
					if (!compiled) return undefined;
					columns.push([column, compiled]);
				} else if (value === null || typeof value !== 'object') {
					columns.push([column, { constant: value }]);
				} else {
					return undefined;
				}
			}
			const schema = new Map<string, ResourceMapperField>();
			for (const field of mapper.schema ?? []) if (!schema.has(field.id)) schema.set(field.id, field);
			const conversion = Boolean(options.showTypeConversionOptions);
			return {
				kind: 'mapperValue',
				columns,
				schema,
				strict: conversion && !mapper.attemptToConvertTypes,
				parseStrings: conversion && Boolean(options.alwaysConvertFieldsToString || mapper.convertFieldsToString),
			};
		}
		return undefined;
	}

	private property(name: string): INodeProperties | undefined {
		return this.properties.find((property) => property.name === name);
	}

	private raw(path: string): unknown {
		let value: unknown = this.rawParameters;
		for (const part of path.split('.')) {
			if (!value || typeof value !== 'object') return undefined;
			value = (value as Record<string, unknown>)[part];
		}
		return value;
	}
}
