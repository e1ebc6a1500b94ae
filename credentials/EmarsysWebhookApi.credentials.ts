import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * The shared secret of an Emarsys Webhook node preset set to "JWT authentication": Emarsys signs
 * a token with it on every call, and the Emarsys Trigger checks that signature. Nothing is sent
 * with it, so there is nothing to test against Emarsys.
 */
export class EmarsysWebhookApi implements ICredentialType {
	name = 'emarsysWebhookApi';

	displayName = 'Emarsys Webhook API';

	// eslint-disable-next-line n8n-nodes-base/cred-class-field-documentation-url-miscased
	documentationUrl = 'https://help.emarsys.com/hc/en-us/articles/4408457148177-Nodes-Webhook-node';

	icon: Icon = { light: 'file:../nodes/Emarsys/emarsys.svg', dark: 'file:../nodes/Emarsys/emarsys.dark.svg' };

	properties: INodeProperties[] = [
		{
			displayName: 'JWT Secret',
			name: 'secret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'The same secret as in the "JWT Secret" field of the Emarsys Webhook node preset (Automation > Webhook Node Presets). Use a long random value, e.g. from `openssl rand -hex 32`.',
		},
	];
}
