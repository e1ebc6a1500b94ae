/**
 * A small, exact subset of n8n expressions that the node can resolve by itself, per item, without
 * n8n's expression engine: `={{ $json.a.b }}`, `={{ $json["a b"][0] }}` and object literals of
 * those and of plain literals, e.g. `={{ { order_id: $json.orderId, total: $json.total } }}`.
 *
 * Why: n8n builds a whole workflow data proxy (with `$now` in the workflow's time zone) for every
 * expression of every item — about 0.1 ms each, more than the Emarsys calls cost for large runs.
 * Anything outside the subset, and any value this module is not certain about (a missing key, an
 * inherited property, an object or array value), is left to n8n: `resolve` then answers
 * `undefined` and the caller asks n8n. The subset's results equal n8n's (see
 * test/integration/expression-fast-path.test.ts, which compares both on real n8n-core).
 */
import { isSafeObjectProperty } from 'n8n-workflow';

type Compiled =
	| { kind: 'path'; segments: string[] }
	| { kind: 'literal'; value: string | number | boolean | null }
	| { kind: 'object'; entries: Array<[string, Compiled]> };

/** What `resolve` answers: the value, or undefined when n8n must resolve the expression itself. */
export type Resolved = { value: unknown } | undefined;

const IDENTIFIER = /^[A-Za-z_$][\w$]*/;
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?/;
// Quoted text without backslashes (escapes are left to n8n).
const QUOTED = /^(?:'([^'\\\n]*)'|"([^"\\\n]*)")/;
const INDEX = /^(?:0|[1-9]\d*)/;

/** n8n's own list of property names its sandbox refuses (older n8n without it: nothing is safe). */
function isSafe(name: string): boolean {
	return typeof isSafeObjectProperty === 'function' && isSafeObjectProperty(name);
}

class Parser {
	private pos = 0;

	constructor(private readonly text: string) {}

	parseWhole(): Compiled | undefined {
		const node = this.parseValue();
		this.skipSpace();
		return node && this.pos === this.text.length ? node : undefined;
	}

	private rest(): string {
		return this.text.slice(this.pos);
	}

	private skipSpace(): void {
		while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
	}

	private take(pattern: RegExp): RegExpExecArray | undefined {
		const match = pattern.exec(this.rest());
		if (!match) return undefined;
		this.pos += match[0].length;
		return match;
	}

	private parseValue(): Compiled | undefined {
		this.skipSpace();
		const next = this.text[this.pos];
		if (next === '{') return this.parseObject();
		if (next === '"' || next === "'") {
			const quoted = this.take(QUOTED);
			return quoted ? { kind: 'literal', value: quoted[1] ?? quoted[2] } : undefined;
		}
		if (next === '-' || (next >= '0' && next <= '9')) {
			const number = this.take(NUMBER);
			// `1.5.x`, `1e3`, `0x1` and the like are left to n8n.
			if (!number || /^[\w$.]/.test(this.rest())) return undefined;
			return { kind: 'literal', value: Number(number[0]) };
		}
		const word = this.take(IDENTIFIER);
		if (!word) return undefined;
		if (word[0] === '$json') return this.parsePath();
		if (word[0] === 'true' || word[0] === 'false' || word[0] === 'null') {
			return { kind: 'literal', value: word[0] === 'null' ? null : word[0] === 'true' };
		}
		return undefined;
	}

	private parsePath(): Compiled | undefined {
		const segments: string[] = [];
		for (;;) {
			const before = this.pos;
			this.skipSpace();
			if (this.text[this.pos] === '.') {
				this.pos++;
				this.skipSpace();
				const name = this.take(IDENTIFIER);
				if (!name || !isSafe(name[0])) return undefined;
				segments.push(name[0]);
			} else if (this.text[this.pos] === '[') {
				this.pos++;
				this.skipSpace();
				const key = this.take(QUOTED) ?? this.take(INDEX);
				const segment = key ? (key[1] ?? key[2] ?? key[0]) : undefined;
				if (segment === undefined || !isSafe(segment)) return undefined;
				segments.push(segment);
				this.skipSpace();
				if (this.text[this.pos] !== ']') return undefined;
				this.pos++;
			} else {
				this.pos = before;
				break;
			}
		}
		// A call (`$json.a.toUpperCase()`) or any other operator is left to n8n.
		this.skipSpace();
		if (this.pos < this.text.length && !/^[,}]/.test(this.rest())) return undefined;
		return { kind: 'path', segments };
	}

	private parseObject(): Compiled | undefined {
		this.pos++; // {
		const entries: Array<[string, Compiled]> = [];
		const keys = new Set<string>();
		for (;;) {
			this.skipSpace();
			if (this.text[this.pos] === '}') {
				this.pos++;
				return { kind: 'object', entries };
			}
			const key = this.take(IDENTIFIER) ?? this.take(QUOTED);
			if (!key) return undefined;
			const name = key[1] ?? key[2] ?? key[0];
			// Repeated keys and keys n8n's sandbox guards are left to n8n.
			if (keys.has(name) || !isSafe(name)) return undefined;
			keys.add(name);
			this.skipSpace();
			if (this.text[this.pos] !== ':') return undefined;
			this.pos++;
			const value = this.parseValue();
			if (!value) return undefined;
			entries.push([name, value]);
			this.skipSpace();
			if (this.text[this.pos] === ',') this.pos++;
			else if (this.text[this.pos] !== '}') return undefined;
		}
	}
}

/**
 * Compiles a raw parameter value when it is exactly one `{{ … }}` block in the subset (nothing
 * before or after it: surrounding text would make n8n return a string). Undefined otherwise.
 */
export function compileJsonExpression(raw: unknown): Compiled | undefined {
	if (typeof raw !== 'string' || !raw.startsWith('={{') || !raw.endsWith('}}')) return undefined;
	const inner = raw.slice(3, -2);
	if (inner.includes('{{') || inner.includes('}}')) return undefined;
	// n8n refuses any text like `.constructor`, even inside quotes: let it say so.
	if (/\.\s*constructor/.test(inner)) return undefined;
	return new Parser(inner).parseWhole();
}

const own = Object.prototype.hasOwnProperty;

function isPlainContainer(value: unknown): value is Record<string, unknown> {
	if (value === null || typeof value !== 'object') return false;
	if (Array.isArray(value)) return true;
	const proto = Object.getPrototypeOf(value) as unknown;
	return proto === Object.prototype || proto === null;
}

function resolveNode(node: Compiled, json: unknown): Resolved {
	switch (node.kind) {
		case 'literal':
			return { value: node.value };
		case 'path': {
			let value: unknown = json;
			for (const segment of node.segments) {
				if (!isPlainContainer(value) || !own.call(value, segment)) return undefined;
				value = value[segment];
			}
			// Only primitives: objects, arrays and undefined are n8n's to resolve (copying, proxies).
			if (value === null || typeof value === 'string' || typeof value === 'boolean') return { value };
			if (typeof value === 'number') return { value };
			return undefined;
		}
		case 'object': {
			const out: Record<string, unknown> = {};
			for (const [key, child] of node.entries) {
				const resolved = resolveNode(child, json);
				if (!resolved) return undefined;
				out[key] = resolved.value;
			}
			return { value: out };
		}
	}
}

/** Resolves a compiled expression against one item's json, or undefined to leave it to n8n. */
export function resolveJsonExpression(compiled: Compiled, json: unknown): Resolved {
	return resolveNode(compiled, json);
}

export type { Compiled as CompiledExpression };
