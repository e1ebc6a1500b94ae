/** What the unit tests of checks and errors share: the node errors are built for, and catching the error a check throws. */
import type { INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

export const node: INode = { id: '1', name: 'Emarsys', type: 'n8n-nodes-emarsys.emarsys', typeVersion: 1, position: [0, 0], parameters: {} };

/** The NodeOperationError `fn` throws; fails when it throws nothing or something else. */
export function errorOf(fn: () => unknown): NodeOperationError {
	try {
		fn();
	} catch (error) {
		if (error instanceof NodeOperationError) return error;
		throw error;
	}
	throw new Error('expected an error');
}
