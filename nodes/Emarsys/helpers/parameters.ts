import type { IExecuteFunctions, NodeParameterValueType } from 'n8n-workflow';

/** True when a raw (unresolved) parameter value holds an n8n expression anywhere inside it. */
function holdsExpression(value: unknown): boolean {
	if (typeof value === 'string') return value.startsWith('=');
	if (Array.isArray(value)) return value.some(holdsExpression);
	if (value && typeof value === 'object') return Object.values(value).some(holdsExpression);
	return false;
}

/**
 * Reads node parameters per item. n8n resolves a parameter anew for every item it is read for,
 * copying it even when it holds no expression; over thousands of items that costs more than the
 * Emarsys calls. A parameter (or a dotted path inside one, e.g. `columns.schema`) without any
 * expression has the same value for every item, so it is read once and shared: callers must not
 * mutate what they get.
 */
export class ItemParameters {
	private readonly constants = new Map<string, unknown>();

	constructor(private readonly ctx: IExecuteFunctions) {}

	get<T = unknown>(name: string, itemIndex: number, fallback?: T): T {
		if (this.constants.has(name)) return this.constants.get(name) as T;
		const value = this.ctx.getNodeParameter(name, itemIndex, fallback as NodeParameterValueType) as T;
		if (!holdsExpression(this.raw(name))) this.constants.set(name, value);
		return value;
	}

	private raw(path: string): unknown {
		let value: unknown = this.ctx.getNode().parameters;
		for (const part of path.split('.')) {
			if (!value || typeof value !== 'object') return undefined;
			value = (value as Record<string, unknown>)[part];
		}
		return value;
	}
}
