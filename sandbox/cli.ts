/**
 * `npm run sandbox [-- --port 8089] [--host 127.0.0.1] [--data FILE] [--rate-limit N] [--token-ttl S] [--quiet]`
 *
 * Environment: EMARSYS_SANDBOX_PORT, EMARSYS_SANDBOX_HOST, EMARSYS_SANDBOX_WSSE_USER,
 * EMARSYS_SANDBOX_WSSE_SECRET, EMARSYS_SANDBOX_OIDC_CLIENT_ID, EMARSYS_SANDBOX_OIDC_CLIENT_SECRET,
 * EMARSYS_SANDBOX_WEBHOOK_SECRET,
 * EMARSYS_SANDBOX_DATA, EMARSYS_SANDBOX_RATE_LIMIT. Command-line flags win over the environment.
 * Prints the URL and the credentials it accepts — the seeded secrets in full (they are public test
 * values), a secret given through the environment only by the variable's name — and stops
 * gracefully on SIGINT / SIGTERM.
 */
import { DEFAULT_CREDENTIALS, startSandbox, type SandboxOptions } from './index';

interface ParsedArgs {
	options: SandboxOptions;
	help: boolean;
}

const USAGE = `Emarsys sandbox — a local Emarsys Core API for trying and testing n8n-nodes-emarsys

Usage: npm run sandbox -- [options]
  --port N          port (default: EMARSYS_SANDBOX_PORT or 8089; 0 = any free port)
  --host H          bind address (default: EMARSYS_SANDBOX_HOST or 127.0.0.1)
  --data FILE       keep contacts in FILE across restarts (default: EMARSYS_SANDBOX_DATA)
  --rate-limit N    requests per minute per API user (default: EMARSYS_SANDBOX_RATE_LIMIT or 1000)
  --token-ttl S     OIDC access token lifetime in seconds (default 3600)
  --quiet           print only the URL line
  --help            this text
Credentials: EMARSYS_SANDBOX_WSSE_USER, EMARSYS_SANDBOX_WSSE_SECRET,
             EMARSYS_SANDBOX_OIDC_CLIENT_ID, EMARSYS_SANDBOX_OIDC_CLIENT_SECRET,
             EMARSYS_SANDBOX_WEBHOOK_SECRET (JWT secret of the webhook calls it fires)`;

function intOption(name: string, value: string | undefined, min: number): number {
	const n = Number(value);
	if (value === undefined || value.trim() === '' || !Number.isInteger(n) || n < min) {
		throw new Error(`${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
	}
	return n;
}

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv): ParsedArgs {
	const options: SandboxOptions = {
		port: env.EMARSYS_SANDBOX_PORT ? intOption('EMARSYS_SANDBOX_PORT', env.EMARSYS_SANDBOX_PORT, 0) : 8089,
		host: env.EMARSYS_SANDBOX_HOST || '127.0.0.1',
		wsseUser: env.EMARSYS_SANDBOX_WSSE_USER || undefined,
		wsseSecret: env.EMARSYS_SANDBOX_WSSE_SECRET || undefined,
		oidcClientId: env.EMARSYS_SANDBOX_OIDC_CLIENT_ID || undefined,
		oidcClientSecret: env.EMARSYS_SANDBOX_OIDC_CLIENT_SECRET || undefined,
		webhookSecret: env.EMARSYS_SANDBOX_WEBHOOK_SECRET || undefined,
		dataFile: env.EMARSYS_SANDBOX_DATA || undefined,
		rateLimitPerMinute: env.EMARSYS_SANDBOX_RATE_LIMIT
			? intOption('EMARSYS_SANDBOX_RATE_LIMIT', env.EMARSYS_SANDBOX_RATE_LIMIT, 1)
			: undefined,
	};
	let help = false;
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
		const value = (): string => {
			if (inline !== undefined) return inline;
			const v = argv[++i];
			if (v === undefined) throw new Error(`${flag} needs a value`);
			return v;
		};
		switch (flag) {
			case '--port':
				options.port = intOption('--port', value(), 0);
				break;
			case '--host':
				options.host = value();
				break;
			case '--data':
				options.dataFile = value();
				break;
			case '--rate-limit':
				options.rateLimitPerMinute = intOption('--rate-limit', value(), 1);
				break;
			case '--token-ttl':
				options.tokenTtlSeconds = intOption('--token-ttl', value(), 1);
				break;
			case '--quiet':
				options.quiet = true;
				break;
			case '--help':
			case '-h':
				help = true;
				break;
			default:
				throw new Error(`Unknown option: ${arg}`);
		}
	}
	if (options.port !== undefined && options.port > 65535) throw new Error('--port must be <= 65535');
	return { options, help };
}

async function main(): Promise<void> {
	let parsed: ParsedArgs;
	try {
		parsed = parseArgs(process.argv.slice(2), process.env);
	} catch (error) {
		process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
		process.exit(2);
	}
	if (parsed.help) {
		process.stdout.write(`${USAGE}\n`);
		return;
	}
	const sandbox = await startSandbox(parsed.options);
	const c = sandbox.credentials;
	// The seeded secrets are public test values and are printed; a secret someone supplied is not.
	const shown = (value: string, seeded: string, envName: string): string =>
		value === seeded ? `"${value}"` : `(from ${envName})`;
	const wsseSecret = shown(c.wsseSecret, DEFAULT_CREDENTIALS.wsseSecret, 'EMARSYS_SANDBOX_WSSE_SECRET');
	const oidcSecret = shown(c.oidcClientSecret, DEFAULT_CREDENTIALS.oidcClientSecret, 'EMARSYS_SANDBOX_OIDC_CLIENT_SECRET');
	const webhookSecret = shown(c.webhookSecret, DEFAULT_CREDENTIALS.webhookSecret, 'EMARSYS_SANDBOX_WEBHOOK_SECRET');
	const lines = [`Emarsys sandbox listening on ${sandbox.url}`];
	if (!parsed.options.quiet) {
		lines.push(
			`  API v2 (WSSE):   ${sandbox.url}/api/v2   user "${c.wsseUser}", secret ${wsseSecret}`,
			`  API v3 (Bearer): ${sandbox.url}/api/v3   token: POST ${sandbox.url}/oauth2/token`,
			`                   client id "${c.oidcClientId}", client secret ${oidcSecret}`,
			`  Webhook node:    POST ${sandbox.url}/__sandbox/webhook/fire {"url": …}   JWT secret ${webhookSecret}`,
			`  Test hooks:      ${sandbox.url}/__sandbox/{log,reset,contacts,triggers,faults,config,tokens/expire}`,
			parsed.options.dataFile ? `  Contacts persist in ${parsed.options.dataFile}` : '  Contacts live in memory (use --data FILE to keep them)',
			'Press Ctrl+C to stop.',
		);
	}
	process.stdout.write(`${lines.join('\n')}\n`);

	let stopping = false;
	const stop = (signal: string): void => {
		if (stopping) return;
		stopping = true;
		if (!parsed.options.quiet) process.stdout.write(`\n${signal}: stopping the Emarsys sandbox…\n`);
		sandbox.stop().then(
			() => process.exit(0),
			(error: unknown) => {
				process.stderr.write(`error while stopping: ${(error as Error).message}\n`);
				process.exit(1);
			},
		);
	};
	process.on('SIGINT', () => stop('SIGINT'));
	process.on('SIGTERM', () => stop('SIGTERM'));
}

if (require.main === module) {
	main().catch((error: unknown) => {
		process.stderr.write(`Emarsys sandbox failed to start: ${(error as Error).message}\n`);
		process.exit(1);
	});
}
