/** Reading offset / limit pages (contact search, segment contacts): what each call asks for, and when reading stops. */
import { readPages } from '../../nodes/Emarsys/helpers/paging';

/** A list of `total` numbers served in pages; records each call's offset and limit. */
function pagedList(total: number, serveAtMost = Infinity) {
	const calls: Array<[number, number]> = [];
	const readPage = async (offset: number, limit: number) => {
		calls.push([offset, limit]);
		const end = Math.min(total, offset + Math.min(limit, serveAtMost));
		return Array.from({ length: Math.max(0, end - offset) }, (_, i) => offset + i);
	};
	return { calls, readPage };
}

describe('readPages', () => {
	it('Return All: full pages until a short one', async () => {
		const list = pagedList(25);
		expect(await readPages(undefined, 10, list.readPage)).toEqual(Array.from({ length: 25 }, (_, i) => i));
		expect(list.calls).toEqual([[0, 10], [10, 10], [20, 10]]);
	});

	it('Return All of an exact number of pages ends with one empty page', async () => {
		const list = pagedList(20);
		expect(await readPages(undefined, 10, list.readPage)).toHaveLength(20);
		expect(list.calls).toEqual([[0, 10], [10, 10], [20, 10]]);
	});

	it('a Limit asks only for what is still wanted, and stops once it is in', async () => {
		const list = pagedList(100);
		expect(await readPages(25, 10, list.readPage)).toEqual(Array.from({ length: 25 }, (_, i) => i));
		expect(list.calls).toEqual([[0, 10], [10, 10], [20, 5]]);
		const small = pagedList(100);
		expect(await readPages(5, 10, small.readPage)).toEqual([0, 1, 2, 3, 4]);
		expect(small.calls).toEqual([[0, 5]]);
	});

	it('a Limit larger than the list: stops at the short page', async () => {
		const list = pagedList(12);
		expect(await readPages(50, 10, list.readPage)).toHaveLength(12);
		expect(list.calls).toEqual([[0, 10], [10, 10]]);
	});

	it('keeps no more than asked for when a page brings more', async () => {
		const generous = async (offset: number) => Array.from({ length: 30 }, (_, i) => offset + i);
		expect(await readPages(5, 10, generous)).toEqual([0, 1, 2, 3, 4]);
	});

	it('a server that serves less than a full page ends the reading (a short page is the end)', async () => {
		const list = pagedList(100, 4);
		expect(await readPages(undefined, 10, list.readPage)).toEqual([0, 1, 2, 3]);
		expect(list.calls).toEqual([[0, 10]]);
	});
});
