import type { INodeProperties } from 'n8n-workflow';

import { resourceLocatorProperty } from '../common.descriptions';

/** The Segment parameter: From list (searchable) or By ID. */
export function segmentProperty(description: string): INodeProperties {
	return resourceLocatorProperty({ displayName: 'Segment', name: 'segmentId', description }, 'searchSegments', '900001');
}
