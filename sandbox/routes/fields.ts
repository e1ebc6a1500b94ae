/**
 * GET field, GET field/translate/{lang}, GET field/{id}/choice[/translate/{lang}],
 * GET field/choices?fields=…&language=…
 *
 * Verified (Core API reference, "List Available Fields", "List Available Choices of a
 * Single-choice Field", "…of a Multiple-choice Field"; older api docs "Listing Available Fields"):
 *  - field list items: id, name, application_type, string_id; `/field` without translate returns
 *    English; language codes are two-letter codes from a fixed list (1002 "Invalid language code"
 *    for others, HTTP 400);
 *  - choice items `{id: "1", choice: "HTML"}` — choice ids are strings; multi-choice items also
 *    carry `bit_position` (an integer that is not the choice id);
 *  - `field/choices` returns an object keyed by field id, each value a list of choices.
 * Chosen (docs silent or contradictory):
 *  - field `id` is an integer (test data of Emarsys's own SFCC cartridge, which includes
 *    `string_id`, uses integers; the old 2014 docs without string_id showed strings);
 *  - a field without choices answers `data: []`;
 *  - an unknown field id in the path (`field/{id}/choice`) answers HTTP 404 "No such field" (the
 *    Core API's 404 list has "No such field — The provided field identifier does not exist" with
 *    no reply code; we send replyCode 1); in `field/choices?fields=` it answers HTTP 400,
 *    replyCode 2006 "Invalid field id: X";
 *  - `field/choices` without `language` falls back to English; without `fields` answers
 *    400 10001 "Missing parameter: fields".
 */
import { LANGUAGE_CODES, type SeedField } from '../seed';
import { allFields, choiceLabel, findField, isMultiChoice } from '../schema';
import { fail, ok, type Reply, type RouteContext } from '../http';

function checkLang(lang: string): Reply | undefined {
	return LANGUAGE_CODES.includes(lang) ? undefined : fail(400, 1002, 'Invalid language code');
}

function fieldItem(f: SeedField, lang: string) {
	return {
		id: f.id,
		name: (lang !== 'en' && f.translations?.[lang]) || f.name,
		application_type: f.application_type,
		string_id: f.string_id,
	};
}

function choiceItems(f: SeedField, lang: string) {
	const multi = isMultiChoice(f);
	return (f.choices ?? []).map((c) => {
		const item: { id: string; choice: string; bit_position?: number } = {
			id: String(c.id),
			choice: (lang !== 'en' && c.translations?.[lang]) || choiceLabel(f, c),
		};
		if (multi) item.bit_position = c.bit_position;
		return item;
	});
}

/** GET field, GET field/translate/{lang} */
export function listFields(lang: string): Reply {
	const bad = checkLang(lang);
	if (bad) return bad;
	return ok(allFields().map((f) => fieldItem(f, lang)));
}

/** GET field/{id}/choice, GET field/{id}/choice/translate/{lang} */
export function listChoices(fieldRef: string, lang: string): Reply {
	const bad = checkLang(lang);
	if (bad) return bad;
	const f = /^\d+$/.test(fieldRef) ? findField(fieldRef) : undefined;
	if (!f) return fail(404, 1, 'No such field');
	return ok(choiceItems(f, lang));
}

/** GET field/choices?fields=1,2&language=en */
export function listMultiChoices(ctx: RouteContext): Reply {
	const raw = ctx.query.get('fields');
	if (raw === null || raw.trim() === '') return fail(400, 10001, 'Missing parameter: fields');
	const lang = (ctx.query.get('language') ?? 'en').trim() || 'en';
	const bad = checkLang(lang);
	if (bad) return bad;
	const data: Record<string, unknown> = {};
	for (const part of raw.split(',')) {
		const ref = part.trim();
		if (ref === '') continue;
		const f = /^\d+$/.test(ref) ? findField(ref) : undefined;
		if (!f) return fail(400, 2006, `Invalid field id: ${ref}`);
		data[String(f.id)] = choiceItems(f, lang);
	}
	return ok(data);
}
