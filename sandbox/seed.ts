/**
 * Seed data of the Emarsys sandbox: fields, choices, external events, contacts, account settings.
 *
 * Verified (Emarsys "System Fields" appendix, help.emarsys.com "The Emarsys system fields"):
 *  - system field ids, names, application types and read-only flags (0..48).
 *  - single-choice list shape `{id: "1", choice: "HTML"}` (ids are strings), e.g. field 26
 *    "Preferred e-mail format": 1 HTML, 2 Text only.
 *  - multi-choice lists carry `bit_position`, which is NOT the choice id.
 *  - country choice ids (10 Austria, 61 France, 65 Germany, 75 Hungary, 168 Switzerland,
 *    184 United Kingdom, 185 United States of America) match the Emarsys country list that the
 *    emarsys-rb client ships.
 *
 * Seen in Emarsys's own SFCC cartridge test data: string ids first_name, last_name, title, optin,
 * days_since_last_email_sent, registration_date (48).
 * Chosen (docs not available here):
 *  - the other `string_id` values of the system fields (snake_case of the English name).
 *  - the exact choice catalogue of most single-choice fields (only subsets are seeded; the
 *    choice ids of Gender 1 Male / 2 Female and Opt-In 1 True / 2 False match common usage).
 *  - custom field ids (10500+), event ids (1001, 1002 connected to a program; 1003 connected to
 *    nothing) and contact ids (100001+).
 */

export type ApplicationType =
	| 'interests'
	| 'shorttext'
	| 'longtext'
	| 'largetext'
	| 'birthdate'
	| 'date'
	| 'singlechoice'
	| 'multichoice'
	| 'numeric'
	| 'url'
	| 'fax'
	| 'special'
	| 'voucher';

export interface SeedChoice {
	id: number;
	choice: string;
	/** Only for multi-choice fields (and field 0, interests). */
	bit_position?: number;
	/** Translations of the label, by language code. English is `choice`. */
	translations?: Record<string, string>;
}

export interface SeedField {
	id: number;
	name: string;
	application_type: ApplicationType;
	string_id: string;
	readOnly: boolean;
	/** Translations of the field name, by language code. English is `name`. */
	translations?: Record<string, string>;
	choices?: SeedChoice[];
	/**
	 * May serve as `key_id` / `keyId` (see KEY_FIELD_IDS). Custom fields: only when indexed as a
	 * unique identifier in the Field Editor.
	 */
	indexed?: boolean;
}

export interface SeedEvent {
	id: number;
	name: string;
	created: string;
	/** False for an event that no Automation Center program or email campaign uses (answers 5005). */
	connected: boolean;
}

/** A seeded contact: field id (as string) -> value in the canonical stored form. */
export interface SeedContact {
	id: number;
	uid: string;
	fields: Record<string, string | number | number[] | null>;
}

/** Language codes Emarsys accepts for `translate/{lang}` (from the Core API reference). */
export const LANGUAGE_CODES: readonly string[] = [
	'ar', 'bg', 'bp', 'cn', 'cz', 'de', 'dk', 'el', 'en', 'es', 'et', 'fi', 'fr', 'he', 'hi', 'hr',
	'hu', 'it', 'jp', 'ko', 'lt', 'lv', 'mk', 'mo', 'mx', 'nl', 'no', 'pl', 'pr', 'ro', 'ru', 'sc',
	'sk', 'sl', 'sr', 'sv', 'th', 'tr', 'uk', 'vi',
];

function sys(
	id: number,
	name: string,
	application_type: ApplicationType,
	string_id: string,
	readOnly = false,
	extra: Partial<SeedField> = {},
): SeedField {
	return { id, name, application_type, string_id, readOnly, ...extra };
}

export const SEED_FIELDS: readonly SeedField[] = [
	sys(0, 'Interests', 'interests', 'interests', true, {
		translations: { de: 'Interessen' },
		choices: [
			{ id: 1, choice: 'Sports', bit_position: 0, translations: { de: 'Sport' } },
			{ id: 2, choice: 'Travel', bit_position: 1, translations: { de: 'Reisen' } },
			{ id: 3, choice: 'Technology', bit_position: 2, translations: { de: 'Technik' } },
			{ id: 4, choice: 'Fashion', bit_position: 3, translations: { de: 'Mode' } },
		],
	}),
	sys(1, 'First Name', 'shorttext', 'first_name', false, { translations: { de: 'Vorname' } }),
	sys(2, 'Last Name', 'shorttext', 'last_name', false, { translations: { de: 'Nachname' } }),
	sys(3, 'E-Mail', 'longtext', 'email', false, { translations: { de: 'E-Mail' } }),
	sys(4, 'Date of Birth', 'birthdate', 'birth_date', false, { translations: { de: 'Geburtsdatum' } }),
	sys(5, 'Gender', 'singlechoice', 'gender', false, {
		translations: { de: 'Geschlecht' },
		choices: [
			{ id: 1, choice: 'Male', translations: { de: 'Männlich' } },
			{ id: 2, choice: 'Female', translations: { de: 'Weiblich' } },
		],
	}),
	sys(6, 'Marital Status', 'singlechoice', 'marital_status', false, {
		choices: [
			{ id: 1, choice: 'Single' },
			{ id: 2, choice: 'Married' },
			{ id: 3, choice: 'Divorced' },
			{ id: 4, choice: 'Widowed' },
		],
	}),
	sys(7, 'Children', 'singlechoice', 'children', false, {
		choices: [
			{ id: 1, choice: '0' },
			{ id: 2, choice: '1' },
			{ id: 3, choice: '2' },
			{ id: 4, choice: '3 or more' },
		],
	}),
	sys(8, 'Education', 'singlechoice', 'education', false, {
		choices: [
			{ id: 1, choice: 'Secondary school' },
			{ id: 2, choice: 'Bachelor' },
			{ id: 3, choice: 'Master' },
			{ id: 4, choice: 'Doctorate' },
		],
	}),
	sys(9, 'Title', 'singlechoice', 'title', false, {
		translations: { de: 'Titel' },
		choices: [
			{ id: 1, choice: 'Dr.' },
			{ id: 2, choice: 'Prof.' },
			{ id: 3, choice: 'Prof. Dr.' },
		],
	}),
	sys(10, 'Address', 'longtext', 'address'),
	sys(11, 'City', 'shorttext', 'city', false, { translations: { de: 'Stadt' } }),
	sys(12, 'State', 'shorttext', 'state'),
	sys(13, 'ZIP Code', 'shorttext', 'zip_code'),
	sys(14, 'Country', 'singlechoice', 'country', false, {
		translations: { de: 'Land' },
		choices: [
			{ id: 10, choice: 'Austria', translations: { de: 'Österreich' } },
			{ id: 61, choice: 'France', translations: { de: 'Frankreich' } },
			{ id: 65, choice: 'Germany', translations: { de: 'Deutschland' } },
			{ id: 75, choice: 'Hungary', translations: { de: 'Ungarn' } },
			{ id: 168, choice: 'Switzerland', translations: { de: 'Schweiz' } },
			{ id: 184, choice: 'United Kingdom', translations: { de: 'Vereinigtes Königreich' } },
			{ id: 185, choice: 'United States of America', translations: { de: 'Vereinigte Staaten' } },
		],
	}),
	sys(15, 'Phone', 'shorttext', 'phone'),
	sys(16, 'Fax', 'fax', 'fax'),
	sys(17, 'Job Position', 'singlechoice', 'job_position', false, {
		choices: [
			{ id: 1, choice: 'Management' },
			{ id: 2, choice: 'Employee' },
		],
	}),
	sys(18, 'Company', 'longtext', 'company'),
	sys(19, 'Department', 'singlechoice', 'department', false, {
		choices: [
			{ id: 1, choice: 'Marketing' },
			{ id: 2, choice: 'Sales' },
			{ id: 3, choice: 'IT' },
		],
	}),
	sys(20, 'Industry', 'singlechoice', 'industry', false, {
		choices: [
			{ id: 1, choice: 'Retail' },
			{ id: 2, choice: 'Software' },
		],
	}),
	sys(21, 'Phone (office)', 'shorttext', 'phone_office'),
	sys(22, 'Fax (office)', 'fax', 'fax_office'),
	sys(23, 'Number of Employees', 'singlechoice', 'number_of_employees', false, {
		choices: [
			{ id: 1, choice: '1-10' },
			{ id: 2, choice: '11-100' },
			{ id: 3, choice: 'more than 100' },
		],
	}),
	sys(24, 'Annual Revenue (in 000 EUR)', 'singlechoice', 'annual_revenue', false, {
		choices: [
			{ id: 1, choice: 'less than 100' },
			{ id: 2, choice: '100-1000' },
			{ id: 3, choice: 'more than 1000' },
		],
	}),
	sys(25, 'URL', 'url', 'url'),
	sys(26, 'Preferred e-mail format', 'singlechoice', 'preferred_email_format', false, {
		choices: [
			{ id: 1, choice: 'HTML' },
			{ id: 2, choice: 'Text only' },
		],
	}),
	sys(27, 'Avg. length of visit (minutes)', 'special', 'avg_length_of_visit', true),
	sys(28, 'Page views per day', 'special', 'page_views_per_day', true),
	sys(29, 'Days since last e-mail sent', 'special', 'days_since_last_email_sent', true),
	sys(30, 'Response rate (% of campaigns sent)', 'special', 'response_rate', true),
	sys(31, 'Opt-In', 'special', 'optin', false, {
		choices: [
			{ id: 1, choice: 'True' },
			{ id: 2, choice: 'False' },
		],
	}),
	sys(32, 'User status', 'special', 'user_status', true),
	sys(33, 'Contact source', 'special', 'contact_source', true),
	sys(34, 'Contact form', 'special', 'contact_form', true),
	sys(35, 'Registration Language', 'singlechoice', 'registration_language', false, {
		choices: [
			{ id: 1, choice: 'English' },
			{ id: 2, choice: 'German' },
			{ id: 3, choice: 'Hungarian' },
		],
	}),
	sys(36, 'Newsletter', 'special', 'newsletter', true),
	sys(37, 'Mobile', 'shorttext', 'mobile'),
	sys(38, 'First Name of Partner', 'shorttext', 'first_name_of_partner'),
	sys(39, 'Birthdate of Partner', 'birthdate', 'birthdate_of_partner'),
	sys(40, 'Anniversary', 'date', 'anniversary'),
	sys(41, 'Company Address', 'longtext', 'company_address'),
	sys(42, 'Zip Code (office)', 'shorttext', 'zip_code_office'),
	sys(43, 'City (office)', 'shorttext', 'city_office'),
	sys(44, 'State (office)', 'shorttext', 'state_office'),
	sys(45, 'Country (office)', 'singlechoice', 'country_office', false, {
		choices: [
			{ id: 10, choice: 'Austria' },
			{ id: 65, choice: 'Germany' },
		],
	}),
	sys(46, 'Salutation', 'singlechoice', 'salutation', false, {
		translations: { de: 'Anrede' },
		choices: [
			{ id: 1, choice: 'Mr.', translations: { de: 'Herr' } },
			{ id: 2, choice: 'Ms.', translations: { de: 'Frau' } },
		],
	}),
	sys(47, 'E-Mail valid', 'special', 'email_valid', true),
	sys(48, 'Date of first registration', 'special', 'registration_date', true),
	// Custom fields.
	sys(10500, 'Favourite Categories', 'multichoice', 'favourite_categories', false, {
		translations: { de: 'Lieblingskategorien' },
		choices: [
			{ id: 1, choice: 'Shoes', bit_position: 0, translations: { de: 'Schuhe' } },
			{ id: 2, choice: 'Bags', bit_position: 1, translations: { de: 'Taschen' } },
			{ id: 3, choice: 'Jackets', bit_position: 2, translations: { de: 'Jacken' } },
			{ id: 5, choice: 'Accessories', bit_position: 3, translations: { de: 'Accessoires' } },
		],
	}),
	sys(10501, 'Loyalty Points', 'numeric', 'loyalty_points', false, { translations: { de: 'Treuepunkte' } }),
	// Indexed: the account's external identifier (may serve as key_id, see KEY_FIELD_IDS).
	sys(10502, 'Customer ID', 'shorttext', 'customer_id', false, { translations: { de: 'Kundennummer' }, indexed: true }),
	sys(10503, 'Membership Tier', 'singlechoice', 'membership_tier', false, {
		choices: [
			{ id: 1, choice: 'Bronze' },
			{ id: 2, choice: 'Silver' },
			{ id: 3, choice: 'Gold' },
		],
	}),
	sys(10504, 'Last Order Date', 'date', 'last_order_date'),
];

export const SEED_EVENTS: readonly SeedEvent[] = [
	{ id: 1001, name: 'order_confirmation', created: '2024-01-15 10:00:00', connected: true },
	{ id: 1002, name: 'password_reset', created: '2024-02-20 08:30:00', connected: true },
	// Created in Emarsys but not used by any program or email yet: triggering it answers 5005.
	{ id: 1003, name: 'back_in_stock', created: '2024-03-05 09:15:00', connected: false },
];

/**
 * Fields that may serve as key_id / keyId besides `id` and `uid`.
 *
 * Verified: "If you use a custom field for `key_id` during customer identification, this field
 * has to be indexed. This can be requested by raising a support ticket" (Core API reference,
 * "Create Contacts" and "Update Contacts"; "Get Internal Contact Identifiers": "This endpoint
 * requires indexed fields"); 2004 "Invalid key field id: X" — "The provided field identifier is
 * not valid, or it cannot be used as an external identifier" (Core API reference, HTTP 200 and
 * HTTP 400 error pages); the reference names email and a custom external-id field as identifiers ("Using
 * external field identifiers is the recommended method … you can use other Emarsys system
 * fields as well, such as email", "Trigger an External Event"); filtering "is enabled only for
 * indexed columns. Contact Emarsys support if you need a column to be indexed" (2015 "No index
 * on column").
 * Chosen (docs do not list the indexed system fields): of the system fields only E-Mail (3) is a
 * key; custom fields are keys when `indexed` (here Customer ID 10502). First name, dates,
 * choice and multi-choice fields are refused.
 */
export const KEY_FIELD_IDS: ReadonlySet<number> = new Set(SEED_FIELDS.filter((f) => f.id === 3 || f.indexed).map((f) => f.id));

/** Two contacts share the e-mail `shared@example.com` so that "more than one contact" (2010) can be exercised. */
export const SHARED_EMAIL = 'shared@example.com';

export const SEED_CONTACTS: readonly SeedContact[] = [
	{
		id: 100001,
		uid: 'aLq3Xc9Tn1',
		fields: {
			'1': 'Ada', '2': 'Lovelace', '3': 'ada@example.com', '4': '1815-12-10', '5': 2, '14': 184,
			'31': 1, '46': 2, '10500': [1, 3], '10501': '1200', '10502': 'C-1001', '10503': 3,
			'0': [2, 3],
		},
	},
	{
		id: 100002,
		uid: 'bTz8Kp2Wm4',
		fields: {
			'1': 'Alan', '2': 'Turing', '3': 'alan@example.com', '4': '1912-06-23', '5': 1, '14': 184,
			'31': 1, '46': 1, '10500': [2], '10501': '0', '10502': 'C-1002',
		},
	},
	{
		id: 100003,
		uid: 'cRw5Jd7Hs2',
		fields: {
			'1': 'Grace', '2': 'Hopper', '3': 'grace@example.com', '5': 2, '9': 1, '14': 185, '31': 2,
			'10501': '42.5', '10502': 'C-1003', '10504': '2024-03-01',
		},
	},
	{
		id: 100004,
		uid: 'dMn4Vb6Qe8',
		fields: { '1': 'Sam', '2': 'Shared', '3': SHARED_EMAIL, '31': 1, '10502': 'C-1004' },
	},
	{
		id: 100005,
		uid: 'eYh1Gf3Za5',
		fields: { '1': 'Sasha', '2': 'Shared', '3': SHARED_EMAIL, '31': 2, '10502': 'C-1005' },
	},
	{
		id: 100006,
		uid: 'fPk7Ls0Ux9',
		fields: { '3': 'empty@example.com' },
	},
];

/**
 * A segment (Emarsys "filter"): the contacts whose stored field value meets a criterion, in
 * contact ID order. Chosen: one contact criterion per segment (equals a stored value, or not
 * empty); segment ids 900001+ (integers, as "List Segments" types them).
 */
export interface SeedSegment {
	id: number;
	name: string;
	criterion: { fieldId: string; equals?: number | string; notEmpty?: true };
}

export const SEED_SEGMENTS: readonly SeedSegment[] = [
	// Ada, Alan, Sam (opt-in 1 = True).
	{ id: 900001, name: 'Opted-in contacts', criterion: { fieldId: '31', equals: 1 } },
	// Ada (membership tier 3 = Gold).
	{ id: 900002, name: 'Gold members', criterion: { fieldId: '10503', equals: 3 } },
	// Every contact with an e-mail address (all seeded contacts, and every contact created by e-mail).
	{ id: 900003, name: 'Contacts with an e-mail address', criterion: { fieldId: '3', notEmpty: true } },
	// Nobody (country 75 = Hungary).
	{ id: 900004, name: 'Customers in Hungary', criterion: { fieldId: '14', equals: 75 } },
];

export const SEED_SETTINGS = {
	id: 700001,
	environment: 'sandbox.emarsys.local',
	timezone: 'Europe/Vienna',
	name: 'n8n_sandbox',
	password_history_queue_size: 0,
	country: 'Austria',
};

export const DEFAULT_CREDENTIALS = {
	wsseUser: 'sandbox_api_user',
	wsseSecret: 'sandbox-wsse-secret-7Qe2',
	oidcClientId: 'sandbox_oidc_client',
	oidcClientSecret: 'sandbox-oidc-secret-9Xk4',
	/** The JWT secret of the sandbox's Webhook node preset (it signs the calls of POST /__sandbox/webhook/fire). */
	webhookSecret: 'sandbox-webhook-secret-4Rw6-9Tq2Lm8Xv3Zb',
} as const;

export interface SeedContactList {
	id: number;
	name: string;
	description: string;
	created: string;
	/** Internal contact ids of the members. */
	contactIds: number[];
}

/**
 * Contact lists (see routes/contactLists.ts). Chosen: ids 900001+; "Chatbot subscribers" starts
 * empty, it is where the demo chatbot workflow adds each new contact.
 */
export const SEED_CONTACT_LISTS: readonly SeedContactList[] = [
	{ id: 900001, name: 'Chatbot subscribers', description: 'Contacts who signed up through the chatbot', created: '2024-04-02 11:00:00', contactIds: [] },
	{ id: 900002, name: 'Newsletter (EN)', description: 'English newsletter recipients', created: '2024-01-10 09:00:00', contactIds: [100001, 100002, 100003] },
	{ id: 900003, name: 'VIP customers', description: '', created: '2024-02-01 14:30:00', contactIds: [100001] },
];
