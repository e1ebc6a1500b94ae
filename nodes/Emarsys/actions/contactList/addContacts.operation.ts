import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { EmarsysClient } from '../../transport';
import { changeMembers, membersDescription, type MembershipChange } from './members.shared';

const change: MembershipChange = {
	operation: 'addContacts',
	path: 'add',
	listDescription: 'The contact list to add the contacts to',
};

export const description = membersDescription(change);

/** contactList.addContacts: adds each item's contact to the list (see changeMembers). */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[], client: EmarsysClient): Promise<INodeExecutionData[]> {
	return await changeMembers(this, items, client, change);
}
