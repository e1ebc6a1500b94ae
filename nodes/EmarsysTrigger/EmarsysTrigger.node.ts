/**
 * Emarsys Trigger: starts a workflow each time a contact reaches a Webhook node in an Emarsys
 * Automation Center or Interactions program.
 *
 * Emarsys side (help.emarsys.com "Nodes: Webhook node",
 * https://help.emarsys.com/hc/en-us/articles/4408457148177-Nodes-Webhook-node): a Webhook node
 * preset holds the endpoint URL and the authentication; Emarsys sends one POST per contact, a JSON
 * body whose contact and additional data lie on one level, with optional event data under the
 * `event_data` object. How the JWT is read and checked: jwt.ts; what is left open by Emarsys's
 * documentation and how we read it: docs/emarsys-trigger.md.
 *
 * The call is answered 200 as soon as it is verified and the execution is queued (response mode
 * "onReceived"): the workflow's own run time never holds Emarsys's call. A refused call is answered
 * here (401/400) and starts no execution.
 */
import type {
	ICredentialTestFunctions,
	ICredentialsDecrypted,
	IDataObject,
	IHookFunctions,
	INodeCredentialTestResult,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
	NodeConnectionType,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { bearerToken, verifyJwt } from './jwt';

const MAIN: NodeConnectionType[] = [NodeConnectionTypes.Main];
/** HS256 keys shorter than the hash (32 bytes) weaken it (RFC 7518 §3.2); 32 characters is the floor we ask for. */
const MIN_SECRET_LENGTH = 32;

const PRESET_NOTICE =
	'In Emarsys, open Automation > Webhook Node Presets and create a preset: API endpoint URL = the Production URL above ' +
	'(Webhook URLs; the Test URL only while you listen for a test event), Authentication Method = JWT authentication, ' +
	'JWT Secret = the JWT Secret of this node\'s Emarsys Webhook API credential. Then choose the contact data and, if you want it, ' +
	'the event data. Activate this workflow before the program sends contacts.';

/** Answers the call here and tells n8n to start no execution. */
function refuse(context: IWebhookFunctions, status: number, message: string): IWebhookResponseData {
	const headers: Record<string, string> = { 'Content-Type': 'application/json' };
	if (status === 401) headers['WWW-Authenticate'] = 'Bearer';
	const response = context.getResponseObject();
	response.writeHead(status, headers);
	response.end(JSON.stringify({ message }));
	return { noWebhookResponse: true };
}

/** The reason a body is not the documented shape, or undefined when it is. */
export function bodyProblem(body: unknown): string | undefined {
	if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'The body must be a JSON object';
	const eventData = (body as IDataObject).event_data;
	if (eventData !== undefined && (typeof eventData !== 'object' || eventData === null || Array.isArray(eventData))) {
		return 'event_data must be a JSON object';
	}
	return undefined;
}

/** One item: the fields as Emarsys sent them, `event_data` as an object, and when the call arrived. */
export function contactItem(body: IDataObject, receivedAt: string, rawBody?: string): IDataObject {
	const { event_data: eventData, ...fields } = body;
	const item: IDataObject = { ...fields, event_data: (eventData as IDataObject | undefined) ?? {}, receivedAt };
	if (rawBody !== undefined) item.rawBody = rawBody;
	return item;
}

export class EmarsysTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Emarsys Trigger',
		name: 'emarsysTrigger',
		icon: { light: 'file:../Emarsys/emarsys.svg', dark: 'file:../Emarsys/emarsys.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: 'Contact reached a Webhook node',
		description: 'Starts the workflow when a contact reaches a Webhook node in an SAP Emarsys program',
		defaults: { name: 'Emarsys Trigger' },
		inputs: [],
		outputs: MAIN,
		credentials: [
			{
				name: 'emarsysWebhookApi',
				required: true,
				testedBy: 'webhookSecretTest',
				displayOptions: { show: { authentication: ['jwt'] } },
			},
		],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'emarsys' }],
		properties: [
			{ displayName: PRESET_NOTICE, name: 'presetNotice', type: 'notice', default: '' },
			{
				displayName: 'Authentication',
				name: 'authentication',
				type: 'options',
				options: [
					{ name: 'JWT Authentication', value: 'jwt', description: 'Emarsys signs each call with the preset\'s JWT secret' },
					{ name: 'None', value: 'none', description: 'Anyone who knows the URL can start this workflow' },
				],
				default: 'jwt',
				description: 'The Authentication Method of the Emarsys Webhook node preset',
			},
			{
				displayName: 'Without authentication anyone who learns this URL can start the workflow with any data. Use it only to try things out.',
				name: 'noAuthNotice',
				type: 'notice',
				default: '',
				displayOptions: { show: { authentication: ['none'] } },
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add option',
				default: {},
				options: [
					{
						displayName: 'Include Raw Body',
						name: 'includeRawBody',
						type: 'boolean',
						default: false,
						description: 'Whether to add the request body exactly as received, as text, under rawBody',
					},
				],
			},
		],
	};

	methods = {
		credentialTest: {
			/** Nothing is sent with the secret, so the test can only check what it is made of. */
			async webhookSecretTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
				const secret = String(credential.data?.secret ?? '');
				if (secret.length < MIN_SECRET_LENGTH) {
					return { status: 'Error', message: `The secret is shorter than ${MIN_SECRET_LENGTH} characters: use a long random value, the same in the Emarsys preset` };
				}
				return { status: 'OK', message: 'The secret is long enough. Emarsys checks nothing here: send a test call from the preset' };
			},
		},
	};

	// Emarsys has no API for Webhook node presets: a person creates the preset by hand (the notice
	// says how), so there is nothing to register, look up or remove when the workflow is activated.
	webhookMethods = {
		default: {
			checkExists: async function (this: IHookFunctions): Promise<boolean> {
				return true;
			},
			create: async function (this: IHookFunctions): Promise<boolean> {
				return true;
			},
			delete: async function (this: IHookFunctions): Promise<boolean> {
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const receivedAt = new Date().toISOString();
		if (this.getNodeParameter('authentication', 'jwt') === 'jwt') {
			const { secret } = await this.getCredentials<{ secret: string }>('emarsysWebhookApi');
			const token = bearerToken(this.getHeaderData().authorization);
			const check = token === undefined ? { valid: false as const, reason: 'no Authorization header with a token' } : verifyJwt(token, secret ?? '', Math.floor(Date.now() / 1000));
			if (!check.valid) {
				this.logger.warn(`Emarsys Trigger refused a call: ${check.reason}`, { node: this.getNode().name });
				return refuse(this, 401, 'Authorization failed');
			}
		}
		const body = this.getBodyData();
		const problem = bodyProblem(body);
		if (problem) return refuse(this, 400, problem);
		const options = this.getNodeParameter('options', {}) as { includeRawBody?: boolean };
		const rawBody = options.includeRawBody ? await rawBodyText(this, body) : undefined;
		return { workflowData: [[{ json: contactItem(body, receivedAt, rawBody) }]] };
	}
}

/** The body as received. n8n keeps the bytes on request only (`readRawBody`), as its own Webhook node asks for them. */
async function rawBodyText(context: IWebhookFunctions, body: IDataObject): Promise<string> {
	const request = context.getRequestObject() as { rawBody?: Buffer; readRawBody?: () => Promise<void> };
	if (!Buffer.isBuffer(request.rawBody) && request.readRawBody) await request.readRawBody();
	return Buffer.isBuffer(request.rawBody) ? request.rawBody.toString('utf8') : JSON.stringify(body);
}
