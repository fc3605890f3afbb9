// Recording through the built script-tag bundle: the recorder is the sibling file
// dist/video-call-recorder.js, fetched only by the page that records, on its first recording. Two
// people on two pages over the real relay: Ada records with the Record button, Bob is told and
// sees the badge; stopping downloads a WebM file of the call.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { callPage, newPerson, room, selfId, useStage, waitForEvent, waitForLiveVideos } from './harness.js';

const stage = useStage();
const CHUNK = '/dist/video-call-recorder.js';

test('the Record button records through the on-demand chunk; the other page is told and sees the badge; stopping downloads the WebM', async () => {
  const { web, relay, browser } = stage;
  const r = room('rec');
  const ada = await newPerson(browser, 'Ada');
  const bob = await newPerson(browser, 'Bob');
  try {
    await ada.page.goto(web.addPage(callPage({ relayUrl: relay.url, room: r, name: 'Ada', attrs: 'recording' })));
    await bob.page.goto(web.addPage(callPage({ relayUrl: relay.url, room: r, name: 'Bob' })));
    const [adaId, bobId] = [await selfId(ada.page), await selfId(bob.page)];
    await waitForLiveVideos(bob.page, [adaId]);
    await waitForLiveVideos(ada.page, [bobId]);
    assert.ok(!web.requests.some((p) => p.startsWith(CHUNK)), 'the recorder is not fetched before recording');

    const record = ada.page.locator('video-call').getByRole('button', { name: 'Record the call' });
    await record.click();
    await waitForEvent(bob.page, 'vc-recording', { peerId: adaId, active: true });
    await bob.page.locator('video-call [part="recording-badge"]').waitFor();
    assert.equal(await record.getAttribute('aria-pressed'), 'true');
    assert.equal(web.requests.filter((p) => p.startsWith(CHUNK)).length, 1, 'the recorder is fetched once, by the recording page');

    await ada.page.waitForTimeout(3000);
    const download = ada.page.waitForEvent('download');
    await record.click();
    const file = await download;
    assert.match(file.suggestedFilename(), new RegExp(`^call-${r}-\\d{4}-\\d\\d-\\d\\d-\\d\\d-\\d\\d\\.webm$`));
    const bytes = await readFile((await file.path())!);
    assert.ok(bytes.length > 10_000, `a recording of ${bytes.length} bytes`);
    assert.deepEqual([...bytes.subarray(0, 4)], [0x1a, 0x45, 0xdf, 0xa3], 'a WebM (EBML) file');
    await waitForEvent(bob.page, 'vc-recording', { peerId: adaId, active: false });
    await bob.page.locator('video-call [part="recording-badge"]').waitFor({ state: 'detached' });
    assert.deepEqual([...ada.errors, ...bob.errors], []);
  } finally {
    await ada.context.close();
    await bob.context.close();
  }
});
