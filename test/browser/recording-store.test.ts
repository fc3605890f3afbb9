import { expect } from '@open-wc/testing';
import { RecordingStore } from '../../src/call/recorder-media.js';
import { waitUntil } from './helpers.js';

const FOLDER = 'video-call-recordings';
const folder = async () => (await navigator.storage.getDirectory()).getDirectoryHandle(FOLDER, { create: true });
async function names(): Promise<string[]> {
  const out: string[] = [];
  // (TypeScript's DOM types lack the folder's async iteration.)
  for await (const name of ((await folder()) as unknown as { keys(): AsyncIterable<string> }).keys()) out.push(name);
  return out.sort();
}
/** `n` chunks of 1,000 bytes, chunk i filled with the byte i. */
const chunks = (n: number) => Array.from({ length: n }, (_, i) => new Blob([new Uint8Array(1000).fill(i)]));

/** The bytes MediaRecorder handed over, in order, whatever holds them. */
async function bytesOf(blob: Blob): Promise<number[]> {
  return [...new Uint8Array(await blob.arrayBuffer())];
}
const expected = (n: number) => chunks(n).flatMap((_, i) => Array<number>(1000).fill(i));

describe('recording store: a long recording is kept on disk, a part at a time', () => {
  before(async () => {
    const root = await navigator.storage.getDirectory();
    await root.removeEntry(FOLDER, { recursive: true }).catch(() => {});
  });

  it('writes each full part to a file of its own and hands the whole recording back, in order', async () => {
    const store = new RecordingStore(3);
    for (const c of chunks(7)) store.add(c);
    // Two full parts (3 chunks each) are written; the seventh chunk waits for the next part.
    await waitUntil(async () => (await names()).length === 2, 'two part files', { timeout: 5000 });
    const blob = await store.finish();
    expect(blob.type).to.equal('video/webm');
    expect(blob.size).to.equal(7000);
    expect(await bytesOf(blob)).to.deep.equal(expected(7));
    const files = await names();
    expect(files).to.have.length(2);
    for (const name of files) expect((await (await (await folder()).getFileHandle(name)).getFile()).size).to.equal(3000);
  });

  it('a disk that refuses a part: that part and the rest stay in memory, nothing is lost', async () => {
    const proto = FileSystemFileHandle.prototype as unknown as { createWritable: () => Promise<unknown> };
    const real = proto.createWritable;
    let calls = 0;
    proto.createWritable = function (this: FileSystemFileHandle) {
      // The first part is written; the disk is "full" from the second on.
      return ++calls === 1 ? real.call(this) : Promise.reject(new DOMException('full', 'QuotaExceededError'));
    };
    try {
      const store = new RecordingStore(2);
      for (const c of chunks(7)) store.add(c);
      const blob = await store.finish();
      expect(await bytesOf(blob)).to.deep.equal(expected(7));
      expect(calls).to.equal(2);
    } finally {
      proto.createWritable = real;
    }
  });

  it('sweeps parts of recordings whose page is gone, and keeps those of recordings a live page still holds', async () => {
    const before = await names();
    expect(before.length, 'parts from the tests above, held by this page').to.be.greaterThan(0);
    // A part left by a page that has closed: nobody holds its lock.
    const orphan = await (await folder()).getFileHandle('old-page-0.webm', { create: true });
    const w = await orphan.createWritable();
    await w.write('x');
    await w.close();
    const store = new RecordingStore(1);
    store.add(chunks(1)[0]);
    await store.finish();
    await waitUntil(async () => !(await names()).includes('old-page-0.webm'), 'the orphan part swept', { timeout: 5000 });
    const after = await names();
    for (const name of before) expect(after, 'a live page keeps its parts').to.include(name);
  });
});
