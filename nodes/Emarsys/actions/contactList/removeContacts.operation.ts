import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { EmarsysClient } from '../../transport';
import { changeMembers, membersDescription, type MembershipChange } from './members.shared';

const change: MembershipChange = {
	operation: 'removeContacts',
	path: 'delete',
	listDescription: 'The contact list to remove the contacts from (the contacts themselves stay in Emarsys)',
};

export const description = membersDescription(change);

/** contactList.removeContacts: takes each item's contact off the list; the contact stays in Emarsys (see changeMembers). */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[], client: EmarsysClient): Promise<INodeExecutionData[]> {
	return await changeMembers(this, items, client, change);
}
