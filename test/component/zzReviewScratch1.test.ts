import request from 'supertest';
import { buildParticipant, buildPayload } from '../support/payloads';
import { closeAll, connectTo, notesOf, startLime } from '../support/lime';
import { buildReceiver, signedDci } from '../support/receiver';

it('shutdown abort mid-write then redelivery', async () => {
  const lime = await startLime();
  const acme = lime.insert('company', { name: 'Acme AB' });
  const anna = lime.insert('person', { firstname: 'Anna', email: 'anna@acme.se', company: acme });
  const receiver = await buildReceiver({ connector: connectTo(lime), shutdownGraceMs: 1 });
  const payload = buildPayload({ id: 'conv-42', participants: [buildParticipant({ email: 'anna@acme.se' })] });
  const { body, headers } = signedDci(payload);
  await request(receiver.app).post('/api/v1/dci/webhook').set(headers).send(body).expect(202);
  lime.setLatency(400);
  receiver.worker.start();
  // wait until the candidate query was answered: the POST of the note follows at once
  for (;;) {
    if (lime.requests.some((r) => r.method === 'POST' && String(r.path).includes('query'))) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 100));
  await receiver.worker.stop();
  await new Promise((r) => setTimeout(r, 600));
  console.log('after stop: notes', notesOf(lime, anna).length, JSON.stringify(await receiver.store.listDeliveries({ limit: 5 })));
  console.log('attemptLog', JSON.stringify((await receiver.store.getDelivery((await receiver.store.listDeliveries({ limit: 1 }))[0]!.id))?.attemptLog));
  lime.setLatency(0);
  await receiver.worker.drainOnce();
  console.log('after redelivery: notes', notesOf(lime, anna).length, lime.requests.map((r) => `${r.method} ${r.path}`).join(' | '));
  await receiver.close();
  await closeAll();
}, 30000);
