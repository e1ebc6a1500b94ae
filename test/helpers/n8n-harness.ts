/**
 * In-process n8n-core harness for integration tests.
 *
 * Runs REAL workflows through n8n-core's `WorkflowExecute` (and node methods through
 * `LoadOptionsContext`) with a real credentials machinery: credentials are stored encrypted
 * with n8n-core's `Credentials`/`Cipher`, decrypted with type defaults (including `extends`)
 * and expressions applied, authenticated via the credential type's `authenticate`
 * (generic or function style), and OAuth2 credentials go through n8n-core's own
 * `requestOAuth2` (token fetch, persistence via `updateCredentialsOauthTokenData`, refresh).
 *
 * n8n's own node test harness is not published, and n8n-nodes-base is not installed: this
 * file provides the small pieces of n8n's CLI that an execution needs (node/credential type
 * registries, a CredentialsHelper, the `oAuth2Api` base credential type, additional data).
 *
 * Usage:
 * ```ts
 * const harness = createHarness({ nodeTypes: [new Emarsys()], credentialTypes: [new EmarsysApi()] });
 * const { items, error } = await harness.runNode({
 *   nodeType: 'emarsys',
 *   parameters: { resource: 'field', operation: 'getAll' },
 *   credentials: { emarsysApi: { username: 'u', secret: 's', baseUrl: `${sandbox.url}/api/v2` } },
 * });
 * ```
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Container } from '@n8n/di';
import { GlobalConfig, InstanceSettingsConfig } from '@n8n/config';
import {
	BinaryDataConfig,
	BinaryDataService,
	Cipher,
	Credentials,
	EncryptionKeyProxy,
	ExecutionLifecycleHooks,
	InstanceSettings,
	LoadOptionsContext,
	WorkflowExecute,
	getAdditionalKeys,
} from 'n8n-core';
import {
	ICredentialsHelper,
	NodeHelpers,
	Workflow,
	createRunExecutionData,
	isExpression,
} from 'n8n-workflow';
import type {
	ExecutionError,
	IConnections,
	ICredentialDataDecryptedObject,
	ICredentialType,
	ICredentialsExpressionResolveValues,
	IDataObject,
	IExecuteData,
	IExecuteFunctions,
	IHttpRequestHelper,
	IHttpRequestOptions,
	INode,
	INodeCredentials,
	INodeCredentialsDetails,
	INodeExecutionData,
	INodeListSearchResult,
	INodeParameters,
	INodeProperties,
	INodePropertyOptions,
	INodeType,
	INodeTypes,
	IRequestOptionsSimplified,
	IRun,
	IRunData,
	IVersionedNodeType,
	IWorkflowBase,
	IWorkflowDataProxyAdditionalKeys,
	IWorkflowExecuteAdditionalData,
	IWorkflowSettings,
	ResourceMapperFields,
	WorkflowExecuteMode,
} from 'n8n-workflow';

// ---------------------------------------------------------------------------------------------
// Public API types
// ---------------------------------------------------------------------------------------------

/** Credential data per credential type name, e.g. `{ emarsysApi: { username, secret } }`. */
export type CredentialsByType = Record<string, ICredentialDataDecryptedObject>;

/** Items given to the input node: full n8n items, or plain JSON objects (wrapped as `{ json }`). */
export type InputItems = Array<INodeExecutionData | IDataObject>;

export interface HarnessOptions {
	/** Node type instances, registered under `description.name` (and `${packageName}.${name}`). */
	nodeTypes: Array<INodeType | IVersionedNodeType>;
	/** Credential type instances. The harness adds its own `oAuth2Api` unless one is given. */
	credentialTypes?: ICredentialType[];
	/** Package name for fully-qualified node type names; default `n8n-nodes-emarsys`. */
	packageName?: string;
}

export interface RunNodeOptions {
	/** Node type name as registered (`description.name`, or the package-qualified name). */
	nodeType: string;
	parameters?: INodeParameters;
	/** Defaults to the node type's default (highest) version. */
	typeVersion?: number;
	/** Credentials to store (replacing any stored data of these types) and attach to the node. */
	credentials?: CredentialsByType;
	/** Items the input node emits into the node under test; default one empty item. */
	inputItems?: InputItems;
	/** Sets the node's `onError: 'continueRegularOutput'`, as the "On Error → Continue" setting does. */
	continueOnFail?: boolean;
	/** Cancels the execution when aborted, as stopping it in n8n does (n8n-core's own cancellation). */
	signal?: AbortSignal;
	/** Name of the node under test; default `Node`. */
	nodeName?: string;
	/** Execution mode; default `manual`. */
	mode?: WorkflowExecuteMode;
}

export interface RunNodeResult {
	/** The node's output branches (empty when the node did not produce output). */
	output: INodeExecutionData[][];
	/** Branch 0 of the output. */
	items: INodeExecutionData[];
	/** The node's execution error, if the run failed at this node. */
	error?: ExecutionError;
	/** Run data of every node in the run, keyed by node name. */
	runData: IRunData;
	/** The complete run as WorkflowExecute returned it. */
	run: IRun;
}

/** Minimal workflow JSON as n8n exports it (`nodes` + `connections`, optional settings). */
export interface WorkflowJson {
	name?: string;
	nodes: INode[];
	connections: IConnections;
	settings?: IWorkflowSettings;
}

export interface RunWorkflowOptions {
	credentials?: CredentialsByType;
	/** Items fed to every node without an incoming connection; default one empty item. */
	inputItems?: InputItems;
	mode?: WorkflowExecuteMode;
}

export interface NodeRunSummary {
	output: INodeExecutionData[][];
	items: INodeExecutionData[];
	error?: ExecutionError;
}

export interface RunWorkflowResult {
	/** Per node (by name): output of its last run, branch 0 and its error. */
	nodes: Record<string, NodeRunSummary>;
	/** Node names in the order n8n executed them (the harness input node excluded). */
	executionOrder: string[];
	/** The run's error (the failing node's error), if any. */
	error?: ExecutionError;
	runData: IRunData;
	run: IRun;
}

export interface NodeMethodOptions {
	nodeType: string;
	/** Name of the method in `methods.loadOptions` / `listSearch` / `resourceMapping`. */
	method: string;
	/** The node's current parameters (defaults are applied, as the editor sends them). */
	parameters?: INodeParameters;
	typeVersion?: number;
	credentials?: CredentialsByType;
	/** Parameter path the editor asks for, e.g. `parameters.fieldId`; default `parameters`. */
	path?: string;
}

export interface ListSearchOptions extends NodeMethodOptions {
	filter?: string;
	paginationToken?: string;
}

export interface N8nHarness {
	runNode(options: RunNodeOptions): Promise<RunNodeResult>;
	runWorkflow(workflow: WorkflowJson, options?: RunWorkflowOptions): Promise<RunWorkflowResult>;
	loadOptions(options: NodeMethodOptions): Promise<INodePropertyOptions[]>;
	listSearch(options: ListSearchOptions): Promise<INodeListSearchResult>;
	resourceMapping(options: NodeMethodOptions): Promise<ResourceMapperFields>;
	/** Store (replace) credential data for a type; later runs use it unless given new data. */
	setCredentials(type: string, data: ICredentialDataDecryptedObject): Promise<void>;
	/** The stored (decrypted, raw) data of a credential, including `oauthTokenData`; undefined if none. */
	getStoredCredentials(type: string): Promise<ICredentialDataDecryptedObject | undefined>;
	/** How often n8n persisted data for the credential (updateCredentials + updateCredentialsOauthTokenData). */
	getCredentialUpdateCount(type: string): number;
	/** Forget all stored credentials. */
	clearCredentials(): void;
	/** The CredentialsHelper instance (for advanced tests). */
	readonly credentialsHelper: HarnessCredentialsHelper;
	readonly nodeTypes: INodeTypes;
}

/** Type name of the harness's own input node. */
export const HARNESS_INPUT_NODE_TYPE = 'n8nHarnessInput';
/** Name of the input node in runs made by the harness. */
export const HARNESS_INPUT_NODE_NAME = 'Harness Input';

// ---------------------------------------------------------------------------------------------
// The harness's own types: the input node and n8n's base `oAuth2Api` credential type
// ---------------------------------------------------------------------------------------------

/**
 * Trigger-less start node: emits the items the harness puts on the execution stack for it
 * (as n8n's harness does for its start node), each paired to its input position.
 */
class HarnessInputNode implements INodeType {
	description: INodeType['description'] = {
		displayName: 'Harness Input',
		name: HARNESS_INPUT_NODE_TYPE,
		group: ['input'],
		version: 1,
		description: 'Emits the items given to the test harness',
		defaults: { name: HARNESS_INPUT_NODE_NAME },
		inputs: ['main'] as INodeType['description']['inputs'],
		outputs: ['main'] as INodeType['description']['outputs'],
		properties: [],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData().map((item, index) => ({ ...item, pairedItem: { item: index } }))];
	}
}

/**
 * n8n's generic OAuth2 credential type (`oAuth2Api` from n8n-nodes-base, which is not
 * installed here), with the same property names and defaults. Credential types of nodes
 * extend it (`extends = ['oAuth2Api']`); n8n-core's requestOAuth2 reads these properties.
 */
export class HarnessOAuth2Api implements ICredentialType {
	name = 'oAuth2Api';

	displayName = 'OAuth2 API';

	genericAuth = true;

	properties: INodeProperties[] = [
		{ displayName: 'Use Dynamic Client Registration', name: 'useDynamicClientRegistration', type: 'hidden', default: false },
		{
			displayName: 'Grant Type',
			name: 'grantType',
			type: 'options',
			displayOptions: { show: { useDynamicClientRegistration: [false] } },
			options: [
				{ name: 'Authorization Code', value: 'authorizationCode' },
				{ name: 'Client Credentials', value: 'clientCredentials' },
				{ name: 'PKCE', value: 'pkce' },
			],
			default: 'authorizationCode',
		},
		{
			displayName: 'Server URL',
			name: 'serverUrl',
			type: 'string',
			displayOptions: { show: { useDynamicClientRegistration: [true] } },
			default: '',
			required: true,
		},
		{
			displayName: 'Authorization URL',
			name: 'authUrl',
			type: 'string',
			displayOptions: { show: { grantType: ['authorizationCode', 'pkce'], useDynamicClientRegistration: [false] } },
			default: '',
			required: true,
		},
		{
			displayName: 'Access Token URL',
			name: 'accessTokenUrl',
			type: 'string',
			displayOptions: { show: { useDynamicClientRegistration: [false] } },
			default: '',
			required: true,
		},
		{
			displayName: 'Client ID',
			name: 'clientId',
			type: 'string',
			displayOptions: { show: { useDynamicClientRegistration: [false] } },
			default: '',
			required: true,
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			displayOptions: { show: { useDynamicClientRegistration: [false] } },
			typeOptions: { password: true },
			default: '',
			required: true,
		},
		{
			displayName: 'Scope',
			name: 'scope',
			type: 'string',
			displayOptions: { show: { useDynamicClientRegistration: [false] } },
			default: '',
		},
		{
			displayName: 'Auth URI Query Parameters',
			name: 'authQueryParameters',
			type: 'string',
			displayOptions: { show: { grantType: ['authorizationCode', 'pkce'], useDynamicClientRegistration: [false] } },
			default: '',
		},
		{
			displayName: 'Authentication',
			name: 'authentication',
			type: 'options',
			displayOptions: { show: { useDynamicClientRegistration: [false] } },
			options: [
				{ name: 'Body', value: 'body', description: 'Send credentials in body' },
				{ name: 'Header', value: 'header', description: 'Send credentials as Basic Auth header' },
			],
			default: 'header',
		},
		{
			displayName: 'Send Additional Body Properties',
			name: 'sendAdditionalBodyProperties',
			type: 'boolean',
			default: false,
			displayOptions: {
				show: { grantType: ['clientCredentials'], authentication: ['body'], useDynamicClientRegistration: [false] },
			},
		},
		{
			displayName: 'Additional Body Properties',
			name: 'additionalBodyProperties',
			type: 'json',
			typeOptions: { rows: 5 },
			displayOptions: {
				show: {
					grantType: ['clientCredentials'],
					authentication: ['body'],
					sendAdditionalBodyProperties: [true],
					useDynamicClientRegistration: [false],
				},
			},
			default: '',
		},
		// The following are not inherited by extending types (doNotInherit), as in n8n.
		{ displayName: 'Ignore SSL Issues (Insecure)', name: 'ignoreSSLIssues', type: 'boolean', default: false, doNotInherit: true },
		{ displayName: 'Token Expired Status Code', name: 'tokenExpiredStatusCode', type: 'number', default: 401, doNotInherit: true },
		{ displayName: 'JWE Token Decryption', name: 'jweEnabled', type: 'boolean', default: false, doNotInherit: true },
		{
			displayName: 'Key Encryption Algorithm',
			name: 'jweAlgorithm',
			type: 'options',
			displayOptions: { show: { jweEnabled: [true] } },
			options: ['RSA-OAEP', 'RSA-OAEP-256', 'ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A256KW'].map((v) => ({ name: v, value: v })),
			default: 'RSA-OAEP',
		},
		{
			displayName: 'Content Encryption Algorithm',
			name: 'jweEncryption',
			type: 'options',
			displayOptions: { show: { jweEnabled: [true] } },
			options: ['A128GCM', 'A256GCM', 'A128CBC-HS256', 'A256CBC-HS512'].map((v) => ({ name: v, value: v })),
			default: 'A256GCM',
		},
		{ displayName: 'JWE Private Key', name: 'jwePrivateKey', type: 'hidden', typeOptions: { password: true }, default: '', noDataExpression: true },
		{
			displayName: 'JWE Public Key',
			name: 'jwePublicKey',
			type: 'string',
			typeOptions: { readOnly: true },
			displayOptions: { show: { jweEnabled: [true] } },
			default: '',
			noDataExpression: true,
		},
	];
}

// ---------------------------------------------------------------------------------------------
// One-time n8n-core process setup (DI container) — no DB, temp folder, quiet logs
// ---------------------------------------------------------------------------------------------

/** Fixed instance encryption key of the harness (test-only). */
const HARNESS_ENCRYPTION_KEY = 'n8n-harness-test-encryption-key';

let coreReady: Promise<void> | undefined;

/**
 * Prepares the n8n-core singletons an execution reaches through the DI container:
 * - GlobalConfig: log level `silent` (override with N8N_LOG_LEVEL), before the Logger exists;
 * - InstanceSettings: n8n folder in a temp dir with a fixed encryption key (never touches ~/.n8n);
 * - EncryptionKeyProxy: a key provider (in n8n it reads the DB) so `Credentials` can encrypt;
 * - BinaryDataConfig/BinaryDataService: in-memory (`default`) mode, binary data kept inline.
 */
export async function ensureN8nCore(): Promise<void> {
	coreReady ??= (async () => {
		const globalConfig = Container.get(GlobalConfig);
		globalConfig.logging.level = (process.env.N8N_LOG_LEVEL as typeof globalConfig.logging.level) || 'silent';

		// InstanceSettings reads/creates its settings file in the n8n folder when constructed;
		// point it at a temp dir (never ~/.n8n) and remove that once the singletons exist.
		const folder = mkdtempSync(join(tmpdir(), 'n8n-harness-'));
		// Read-only in the type (set from N8N_USER_FOLDER); the harness points it at its temp dir.
		const instanceConfig = Container.get(InstanceSettingsConfig) as { -readonly [K in keyof InstanceSettingsConfig]: InstanceSettingsConfig[K] };
		instanceConfig.n8nFolder = folder;
		instanceConfig.userHome = folder;
		instanceConfig.encryptionKey = HARNESS_ENCRYPTION_KEY;
		instanceConfig.enforceSettingsFilePermissions = false;
		Container.get(InstanceSettings);

		// One data-encryption key, wrapped with the instance key, as n8n's key table holds it.
		const cipher = Container.get(Cipher);
		const key = {
			id: 'harness',
			value: cipher.encryptDEKWithInstanceKey(createHash('sha256').update('n8n-harness-data-key').digest('hex')),
			algorithm: 'aes-256-gcm',
			format: 'prefixed' as const,
		};
		Container.get(EncryptionKeyProxy).setProvider({
			getActiveKey: async () => key,
			getKeyById: async (id: string) => (id === key.id ? key : null),
			getLegacyKey: async () => key,
		});

		// Binary data stays inline (base64 in the item), n8n's in-memory `default` mode, as in
		// n8n's own node test harness: BinaryDataService has no storage manager, so no disk IO.
		Container.get(BinaryDataConfig).mode = 'default';
		Container.get(BinaryDataService);
		rmSync(folder, { recursive: true, force: true });
	})();
	await coreReady;
}

// ---------------------------------------------------------------------------------------------
// Registries
// ---------------------------------------------------------------------------------------------

class HarnessNodeTypes implements INodeTypes {
	private readonly types = new Map<string, INodeType | IVersionedNodeType>();

	constructor(nodeTypes: Array<INodeType | IVersionedNodeType>, packageName: string) {
		for (const type of [new HarnessInputNode(), ...nodeTypes]) {
			const name = type.description.name;
			this.types.set(name, type);
			if (type.description.name !== HARNESS_INPUT_NODE_TYPE) this.types.set(`${packageName}.${name}`, type);
		}
	}

	getByName(nodeType: string): INodeType | IVersionedNodeType {
		const type = this.types.get(nodeType);
		if (!type) throw new Error(`Unknown node type "${nodeType}" (registered: ${[...this.types.keys()].join(', ')})`);
		return type;
	}

	getByNameAndVersion(nodeType: string, version?: number): INodeType {
		return NodeHelpers.getVersionedNodeType(this.getByName(nodeType), version);
	}

	getKnownTypes() {
		return {};
	}
}

class HarnessCredentialTypes {
	private readonly types = new Map<string, ICredentialType>();

	constructor(credentialTypes: ICredentialType[]) {
		const all = credentialTypes.some((type) => type.name === 'oAuth2Api')
			? credentialTypes
			: [new HarnessOAuth2Api(), ...credentialTypes];
		for (const type of all) this.types.set(type.name, type);
	}

	getByName(name: string): ICredentialType {
		const type = this.types.get(name);
		if (!type) throw new Error(`Unknown credential type "${name}"`);
		return type;
	}

	/** All ancestors via `extends`, nearest first (as n8n's CredentialTypes.getParentTypes). */
	getParentTypes(name: string): string[] {
		const parents: string[] = [];
		for (const parent of this.types.get(name)?.extends ?? []) {
			parents.push(parent, ...this.getParentTypes(parent));
		}
		return parents;
	}

	/** Properties including inherited ones (the child's own win); `oauthTokenData` on the OAuth roots. */
	getProperties(name: string): INodeProperties[] {
		const type = this.getByName(name);
		if (type.extends === undefined) {
			if (name === 'oAuth2Api' || name === 'oAuth1Api') {
				return [
					...type.properties,
					{ displayName: 'oauthTokenData', name: 'oauthTokenData', type: 'json', required: false, default: {} },
				];
			}
			return type.properties;
		}
		const merged: INodeProperties[] = [];
		for (const parent of type.extends) NodeHelpers.mergeNodeProperties(merged, this.getProperties(parent));
		NodeHelpers.mergeNodeProperties(merged, type.properties);
		return merged;
	}
}

// ---------------------------------------------------------------------------------------------
// CredentialsHelper
// ---------------------------------------------------------------------------------------------

interface StoredCredential {
	id: string;
	name: string;
	type: string;
	/** Encrypted with n8n-core's Credentials (instance cipher), as n8n's DB column holds it. */
	data: string;
	updates: number;
}

/** Hidden OAuth flow fields the credential type owns: stored values never override the type's value (as in n8n). */
const OAUTH_PINNED_FIELDS = ['authUrl', 'accessTokenUrl', 'grantType', 'authentication'];

const MOCK_NODE: INode = {
	id: 'harness-credentials',
	name: '',
	type: HARNESS_INPUT_NODE_TYPE,
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

/**
 * The harness's CredentialsHelper: n8n's CLI behaviour without a DB. Credentials are kept
 * encrypted in memory, one per credential type (id `harness-<type>`).
 */
export class HarnessCredentialsHelper extends ICredentialsHelper {
	private readonly store = new Map<string, StoredCredential>();

	constructor(
		private readonly credentialTypes: HarnessCredentialTypes,
		private readonly nodeTypes: INodeTypes,
	) {
		super();
	}

	/** The node-side reference n8n puts in `node.credentials[type]`. */
	reference(type: string): INodeCredentialsDetails & { id: string } {
		return { id: `harness-${type}`, name: `${type} (harness)` };
	}

	has(type: string): boolean {
		return this.store.has(type);
	}

	/** Stores (replaces) the data of a credential, encrypted. */
	async setCredentials(type: string, data: ICredentialDataDecryptedObject): Promise<void> {
		this.credentialTypes.getByName(type); // unknown types fail early
		const { id, name } = this.reference(type);
		const credentials = new Credentials({ id, name }, type);
		await credentials.setData(data);
		this.store.set(type, { id, name, type, data: credentials.getDataToSave().data as string, updates: 0 });
	}

	async getStoredData(type: string): Promise<ICredentialDataDecryptedObject | undefined> {
		const stored = this.store.get(type);
		if (!stored) return undefined;
		return await (await this.getCredentials(this.reference(type), type)).getData();
	}

	updateCount(type: string): number {
		return this.store.get(type)?.updates ?? 0;
	}

	clear(): void {
		this.store.clear();
	}

	private entry(nodeCredentials: INodeCredentialsDetails, type: string): StoredCredential {
		const stored = this.store.get(type);
		if (!stored || (nodeCredentials.id !== null && nodeCredentials.id !== stored.id)) {
			throw new Error(`Credential with ID "${nodeCredentials.id}" of type "${type}" does not exist (not given to the harness)`);
		}
		return stored;
	}

	async getCredentials(nodeCredentials: INodeCredentialsDetails, type: string): Promise<Credentials> {
		const stored = this.entry(nodeCredentials, type);
		return new Credentials({ id: stored.id, name: stored.name }, stored.type, stored.data);
	}

	getParentTypes(name: string): string[] {
		return this.credentialTypes.getParentTypes(name);
	}

	getCredentialsProperties(type: string): INodeProperties[] {
		return this.credentialTypes.getProperties(type);
	}

	isCredentialUsableByNode(credentialType: string, nodeType: string): boolean {
		let type: ICredentialType;
		try {
			type = this.credentialTypes.getByName(credentialType);
		} catch {
			return true;
		}
		if (!type.restrictToSupportedNodes) return true;
		const shortName = nodeType.includes('.') ? nodeType.slice(nodeType.indexOf('.') + 1) : nodeType;
		return (type.supportedNodes ?? []).some((name) => name === nodeType || name === shortName);
	}

	/** Decrypts, then (unless `raw`) applies type defaults and resolves expressions, as n8n does. */
	async getDecrypted(
		additionalData: IWorkflowExecuteAdditionalData,
		nodeCredentials: INodeCredentialsDetails,
		type: string,
		mode: WorkflowExecuteMode,
		executeData?: IExecuteData,
		raw?: boolean,
		expressionResolveValues?: ICredentialsExpressionResolveValues,
	): Promise<ICredentialDataDecryptedObject> {
		const original = await (await this.getCredentials(nodeCredentials, type)).getData();
		if (raw === true) return original;

		const properties = this.getCredentialsProperties(type);
		const stored = { ...original };
		for (const field of OAUTH_PINNED_FIELDS) {
			if (properties.some((p) => p.name === field && p.type === 'hidden')) delete stored[field];
		}

		// Defaults for every property (inherited ones included); unknown keys are dropped.
		let data = NodeHelpers.getNodeParameters(
			properties,
			stored as INodeParameters,
			true,
			false,
			null,
			null,
		) as ICredentialDataDecryptedObject;
		if (original.oauthTokenData !== undefined) data.oauthTokenData = original.oauthTokenData;

		const additionalKeys = getAdditionalKeys(additionalData, mode, null, { isCredential: true });
		if (expressionResolveValues) {
			try {
				data = expressionResolveValues.workflow.expression.getParameterValue(
					data as INodeParameters,
					expressionResolveValues.runExecutionData,
					expressionResolveValues.runIndex,
					expressionResolveValues.itemIndex,
					expressionResolveValues.node.name,
					expressionResolveValues.connectionInputData,
					mode,
					additionalKeys,
					executeData,
					false,
					data,
				) as ICredentialDataDecryptedObject;
			} catch (error) {
				(error as Error).message += ' [Error resolving credentials]';
				throw error;
			}
		} else {
			const workflow = new Workflow({
				nodes: [MOCK_NODE],
				connections: {},
				active: false,
				nodeTypes: this.nodeTypes,
			});
			await workflow.expression.acquireIsolate();
			try {
				data = workflow.expression.getComplexParameterValue(
					MOCK_NODE,
					data as INodeParameters,
					mode,
					additionalKeys,
					undefined,
					undefined,
					data,
				) as ICredentialDataDecryptedObject;
			} finally {
				await workflow.expression.releaseIsolate();
			}
		}
		return data;
	}

	/** Applies the credential type's `authenticate`: a function, or a generic definition with expressions. */
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions | IRequestOptionsSimplified,
		workflow?: Workflow,
		node?: INode,
	): Promise<IHttpRequestOptions> {
		const { authenticate } = this.credentialTypes.getByName(typeName);
		if (typeof authenticate === 'function') {
			return await authenticate(credentials, requestOptions as IHttpRequestOptions);
		}
		if (authenticate?.type === 'generic') {
			if (!workflow || !node) throw new Error('Workflow and node are required for generic credential authentication');
			const target = requestOptions as unknown as Record<string, IDataObject | undefined>;
			requestOptions.headers ??= {};
			const resolve = (value: string) => {
				if (!isExpression(value)) return value;
				const resolved = workflow.expression.getSimpleParameterValue(node, value, 'internal', { $credentials: credentials } as IWorkflowDataProxyAdditionalKeys, undefined, '');
				return resolved ? String(resolved) : '';
			};
			for (const [section, entries] of Object.entries(authenticate.properties)) {
				for (const [key, value] of Object.entries(entries as IDataObject)) {
					const bucket = (target[section] ??= {});
					bucket[resolve(key)] = resolve(value as string);
				}
			}
		}
		return requestOptions as IHttpRequestOptions;
	}

	/**
	 * n8n's pre-authentication: for types with an expirable hidden property and a
	 * `preAuthentication` function, fetch a fresh value when it is empty or expired and persist it.
	 */
	async preAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		node: INode,
		credentialsExpired: boolean,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const type = this.credentialTypes.getByName(typeName);
		const expirable = this.getCredentialsProperties(typeName).find(
			(property) => property.type === 'hidden' && property.typeOptions?.expirable === true,
		);
		if (!expirable || typeof type.preAuthentication !== 'function') return undefined;
		if (credentials[expirable.name] !== '' && !credentialsExpired) return undefined;

		const output = await type.preAuthentication.call(helpers, credentials);
		if (output[expirable.name] === undefined) return undefined;
		const reference = node.credentials?.[typeName];
		if (reference) {
			const stored = await (await this.getCredentials(reference, typeName)).getData();
			const toPersist = { ...stored };
			for (const [key, value] of Object.entries(output)) {
				if (key === expirable.name || !isExpression(stored[key])) toPersist[key] = value as ICredentialDataDecryptedObject[string];
			}
			await this.updateCredentials(reference, typeName, toPersist);
		}
		return Object.assign(credentials, output as ICredentialDataDecryptedObject);
	}

	/** Runs a `preAuthentication` function in memory only (requestOAuth2 calls this on every request). */
	async runPreAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const type = this.credentialTypes.getByName(typeName);
		if (typeof type.preAuthentication !== 'function') return undefined;
		return ((await type.preAuthentication.call(helpers, credentials)) as ICredentialDataDecryptedObject) ?? undefined;
	}

	async updateCredentials(
		nodeCredentials: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		const stored = this.entry(nodeCredentials, type);
		const credentials = await this.getCredentials(nodeCredentials, type);
		await credentials.setData(data);
		stored.data = credentials.getDataToSave().data as string;
		stored.updates++;
	}

	/** Persists a fetched/refreshed OAuth token, so the next request (and run) reuses it. */
	async updateCredentialsOauthTokenData(
		nodeCredentials: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		const stored = this.entry(nodeCredentials, type);
		const credentials = await this.getCredentials(nodeCredentials, type);
		await credentials.updateData({ oauthTokenData: data.oauthTokenData });
		stored.data = credentials.getDataToSave().data as string;
		stored.updates++;
	}
}

// ---------------------------------------------------------------------------------------------
// The harness
// ---------------------------------------------------------------------------------------------

function toItems(input: InputItems | undefined): INodeExecutionData[] {
	if (input === undefined) return [{ json: {} }];
	return input.map((entry) => {
		const candidate = entry as INodeExecutionData;
		if (candidate.json !== null && typeof candidate.json === 'object' && !Array.isArray(candidate.json)) {
			return candidate;
		}
		return { json: entry as IDataObject };
	});
}

/** The version the editor gives a new node: `defaultVersion`, else the highest version. */
function defaultTypeVersion(type: INodeType | IVersionedNodeType): number {
	if ('nodeVersions' in type) {
		return type.description.defaultVersion ?? Math.max(...Object.keys(type.nodeVersions).map(Number));
	}
	return type.description.defaultVersion ?? Math.max(...[type.description.version].flat());
}

function nodeSummary(runData: IRunData, name: string): NodeRunSummary {
	const runs = runData[name];
	const last = runs?.[runs.length - 1];
	const output = (last?.data?.main ?? []).map((branch) => branch ?? []);
	return { output, items: output[0] ?? [], error: last?.error };
}

/** Creates a harness for the given node and credential types. */
export function createHarness(options: HarnessOptions): N8nHarness {
	const packageName = options.packageName ?? 'n8n-nodes-emarsys';
	const nodeTypes = new HarnessNodeTypes(options.nodeTypes, packageName);
	const credentialTypes = new HarnessCredentialTypes(options.credentialTypes ?? []);
	const credentialsHelper = new HarnessCredentialsHelper(credentialTypes, nodeTypes);
	let executionCounter = 0;

	async function storeCredentials(credentials: CredentialsByType | undefined) {
		await ensureN8nCore();
		for (const [type, data] of Object.entries(credentials ?? {})) {
			await credentialsHelper.setCredentials(type, data);
		}
	}

	/**
	 * Attaches stored credentials to a node as the editor would: each credential the node type
	 * declares, shown for the node's parameters (displayOptions), and stored in the harness.
	 */
	function attachCredentials(node: INode): INode {
		if (node.type === HARNESS_INPUT_NODE_TYPE) return node;
		const nodeType = nodeTypes.getByNameAndVersion(node.type, node.typeVersion);
		const parameters =
			NodeHelpers.getNodeParameters(nodeType.description.properties, node.parameters, true, false, node, nodeType.description) ??
			node.parameters;
		const credentials: INodeCredentials = {};
		for (const description of nodeType.description.credentials ?? []) {
			if (!credentialsHelper.has(description.name)) continue;
			if (!NodeHelpers.displayParameter(parameters, description, node, nodeType.description, parameters)) continue;
			credentials[description.name] = credentialsHelper.reference(description.name);
		}
		return Object.keys(credentials).length ? { ...node, credentials } : node;
	}

	function additionalDataFor(
		hooks: ExecutionLifecycleHooks | undefined,
		executionId: string,
		currentNodeParameters?: INodeParameters,
	): IWorkflowExecuteAdditionalData {
		const base = 'http://127.0.0.1:5678';
		const unsupported = (what: string) => async () => {
			throw new Error(`${what} is not supported by the test harness`);
		};
		return {
			credentialsHelper,
			hooks,
			executionId,
			currentNodeExecutionIndex: 0,
			currentNodeParameters,
			restApiUrl: `${base}/rest`,
			instanceBaseUrl: `${base}/`,
			formBaseUrl: `${base}/form`,
			formWaitingBaseUrl: `${base}/form-waiting`,
			formTestBaseUrl: `${base}/form-test`,
			webhookBaseUrl: `${base}/webhook`,
			webhookWaitingBaseUrl: `${base}/webhook-waiting`,
			webhookTestBaseUrl: `${base}/webhook-test`,
			mcpBaseUrl: `${base}/mcp`,
			mcpTestBaseUrl: `${base}/mcp-test`,
			userId: 'harness-user',
			variables: {},
			logAiEvent: () => {},
			executeWorkflow: unsupported('executeWorkflow'),
			getRunExecutionData: async () => undefined,
			getRuntimeCredential: async () => undefined,
			startRunnerTask: unsupported('startRunnerTask'),
		} as unknown as IWorkflowExecuteAdditionalData;
	}

	/** Runs a workflow through WorkflowExecute, starting at `startNode` with `items`. */
	async function execute(
		nodes: INode[],
		connections: IConnections,
		settings: IWorkflowSettings | undefined,
		startNode: INode,
		items: INodeExecutionData[],
		mode: WorkflowExecuteMode,
		signal?: AbortSignal,
	) {
		await ensureN8nCore();
		const executionId = `harness-${++executionCounter}`;
		const workflowSettings: IWorkflowSettings = { executionOrder: 'v1', ...settings };
		const workflowData: IWorkflowBase = {
			id: 'harness-workflow',
			name: 'Harness workflow',
			active: false,
			isArchived: false,
			nodes,
			connections,
			settings: workflowSettings,
			createdAt: new Date(),
			updatedAt: new Date(),
		} as IWorkflowBase;
		const workflow = new Workflow({
			id: workflowData.id,
			name: workflowData.name,
			nodes,
			connections,
			active: false,
			nodeTypes,
			settings: workflowSettings,
		});
		const hooks = new ExecutionLifecycleHooks(mode, executionId, workflowData);
		const executionOrder: string[] = [];
		hooks.addHandler('nodeExecuteAfter', (nodeName: string) => {
			executionOrder.push(nodeName);
		});
		const runExecutionData = createRunExecutionData({
			executionData: {
				nodeExecutionStack: [{ node: workflow.getNode(startNode.name)!, data: { main: [items] }, source: null }],
			},
		});
		const workflowExecute = new WorkflowExecute(additionalDataFor(hooks, executionId), mode, runExecutionData);
		const running = workflowExecute.processRunExecutionData(workflow);
		signal?.addEventListener('abort', () => running.cancel(), { once: true });
		const run = await running;
		return { run, executionOrder };
	}

	async function runNode(opts: RunNodeOptions): Promise<RunNodeResult> {
		await storeCredentials(opts.credentials);
		const nodeType = nodeTypes.getByName(opts.nodeType);
		const typeVersion = opts.typeVersion ?? defaultTypeVersion(nodeType);
		const name = opts.nodeName ?? 'Node';
		const input: INode = {
			id: 'harness-input',
			name: HARNESS_INPUT_NODE_NAME,
			type: HARNESS_INPUT_NODE_TYPE,
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		};
		const node = attachCredentials({
			id: 'harness-node',
			name,
			type: opts.nodeType,
			typeVersion,
			position: [200, 0],
			parameters: opts.parameters ?? {},
			...(opts.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
		});
		const connections: IConnections = {
			[input.name]: { main: [[{ node: name, type: 'main', index: 0 }]] },
		};
		const { run } = await execute([input, node], connections, undefined, input, toItems(opts.inputItems), opts.mode ?? 'manual', opts.signal);
		const runData = run.data.resultData.runData;
		const summary = nodeSummary(runData, name);
		const error = summary.error ?? (run.data.resultData.lastNodeExecuted === name ? run.data.resultData.error : undefined);
		return { ...summary, error, runData, run };
	}

	async function runWorkflow(workflowJson: WorkflowJson, opts: RunWorkflowOptions = {}): Promise<RunWorkflowResult> {
		await storeCredentials(opts.credentials);
		const nodes = workflowJson.nodes.map((node) => attachCredentials({ ...node, parameters: { ...node.parameters } }));
		const targets = new Set<string>();
		for (const outputs of Object.values(workflowJson.connections)) {
			for (const branches of Object.values(outputs)) {
				for (const branch of branches ?? []) for (const connection of branch ?? []) targets.add(connection.node);
			}
		}
		const roots = nodes.filter((node) => !targets.has(node.name) && !node.disabled);
		const input: INode = {
			id: 'harness-input',
			name: HARNESS_INPUT_NODE_NAME,
			type: HARNESS_INPUT_NODE_TYPE,
			typeVersion: 1,
			position: [-200, 0],
			parameters: {},
		};
		const connections: IConnections = {
			...workflowJson.connections,
			[input.name]: { main: [roots.map((root) => ({ node: root.name, type: 'main' as const, index: 0 }))] },
		};
		const { run, executionOrder } = await execute(
			[input, ...nodes],
			connections,
			workflowJson.settings,
			input,
			toItems(opts.inputItems),
			opts.mode ?? 'manual',
		);
		const runData = run.data.resultData.runData;
		const summaries: Record<string, NodeRunSummary> = {};
		for (const node of nodes) if (runData[node.name]) summaries[node.name] = nodeSummary(runData, node.name);
		return {
			nodes: summaries,
			executionOrder: executionOrder.filter((name) => name !== HARNESS_INPUT_NODE_NAME),
			error: run.data.resultData.error,
			runData,
			run,
		};
	}

	/** Builds the LoadOptionsContext the editor's dynamic-parameter requests use. */
	async function methodContext(opts: NodeMethodOptions, kind: 'loadOptions' | 'listSearch' | 'resourceMapping') {
		const nodeType = nodeTypes.getByNameAndVersion(opts.nodeType, opts.typeVersion);
		const method = nodeType.methods?.[kind]?.[opts.method];
		if (typeof method !== 'function') {
			throw new Error(`Node type "${opts.nodeType}" has no ${kind} method "${opts.method}"`);
		}
		await storeCredentials(opts.credentials);
		const draft: INode = {
			id: 'harness-temp-node',
			name: 'Temp-Node',
			type: opts.nodeType,
			typeVersion: opts.typeVersion ?? defaultTypeVersion(nodeTypes.getByName(opts.nodeType)),
			position: [0, 0],
			parameters: opts.parameters ?? {},
		};
		// The editor sends the node's full parameters (defaults included).
		const parameters =
			NodeHelpers.getNodeParameters(nodeType.description.properties, draft.parameters, true, false, draft, nodeType.description) ??
			draft.parameters;
		const node = attachCredentials({ ...draft, parameters });
		const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });
		const additionalData = additionalDataFor(undefined, `harness-${++executionCounter}`, parameters);
		const context = new LoadOptionsContext(workflow, workflow.getNode(node.name)!, additionalData, opts.path ?? 'parameters');
		return { method: method as (...args: unknown[]) => Promise<unknown>, context };
	}

	return {
		credentialsHelper,
		nodeTypes,
		runNode,
		runWorkflow,
		async loadOptions(opts) {
			const { method, context } = await methodContext(opts, 'loadOptions');
			return (await method.call(context)) as INodePropertyOptions[];
		},
		async listSearch(opts) {
			const { method, context } = await methodContext(opts, 'listSearch');
			return (await method.call(context, opts.filter, opts.paginationToken)) as INodeListSearchResult;
		},
		async resourceMapping(opts) {
			const { method, context } = await methodContext(opts, 'resourceMapping');
			return (await method.call(context)) as ResourceMapperFields;
		},
		async setCredentials(type, data) {
			await storeCredentials({ [type]: data });
		},
		async getStoredCredentials(type) {
			await ensureN8nCore();
			return await credentialsHelper.getStoredData(type);
		},
		getCredentialUpdateCount(type) {
			return credentialsHelper.updateCount(type);
		},
		clearCredentials() {
			credentialsHelper.clear();
		},
	};
}
