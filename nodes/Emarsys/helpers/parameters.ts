import type { IExecuteFunctions, IGetNodeParameterOptions, NodeParameterValueType } from 'n8n-workflow';

/** True when a raw (unresolved) parameter value holds an n8n expression anywhere inside it. */
function holdsExpression(value: unknown): boolean {
	if (typeof value === 'string') return value.startsWith('=');
	if (Array.isArray(value)) return value.some(holdsExpression);
	if (value && typeof value === 'object') return Object.values(value).some(holdsExpression);
	return false;
}

/**
 * Reads the node's parameters for each item through n8n (`getNodeParameter`), so n8n evaluates
 * every expression and applies its own checks. A parameter whose raw value holds no expression
 * has the same value for every item: it is read once per run (callers must not change it).
 */
export class ParameterReader {
	private readonly constants = new Map<string, unknown>();

	private readonly rawParameters: Record<string, unknown>;

	constructor(private readonly ctx: IExecuteFunctions) {
		this.rawParameters = ctx.getNode().parameters;
	}

	get<T = unknown>(name: string, itemIndex: number, fallback?: T, options?: IGetNodeParameterOptions): T {
		if (this.constants.has(name)) return this.constants.get(name) as T;
		const value = this.ctx.getNodeParameter(name, itemIndex, fallback as NodeParameterValueType, options) as T;
		if (!holdsExpression(this.raw(name))) this.constants.set(name, value);
		return value;
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
