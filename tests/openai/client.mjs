// The official openai client against tensorwasm serve's gateway, model "echo" (the echo-model
// guest, examples/openai_echo.c). Usage: node client.mjs BASE_URL TOKEN. Prints one line per
// check and exits 1 on the first mismatch.
import OpenAI from 'openai';

const [baseURL, apiKey] = process.argv.slice(2);
const client = new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: apiKey || 'unused', maxRetries: 0 });

// JSON with object keys sorted, so key order does not matter.
const canonical = (v) => JSON.stringify(v, (k, x) =>
  x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x);

function expect(what, actual, wanted) {
  const ok = canonical(actual) === canonical(wanted);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}: ${JSON.stringify(actual)}${ok ? '' : ` (wanted ${JSON.stringify(wanted)})`}`);
  if (!ok) process.exit(1);
}

const models = await client.models.list();
expect('models include echo', models.data.map((m) => m.id).includes('echo'), true);

const completion = await client.completions.create({ model: 'echo', prompt: 'the quick brown fox jumps', max_tokens: 3 });
expect('completion text', completion.choices[0].text, 'the quick brown');
expect('completion usage', completion.usage, { completion_tokens: 3, prompt_tokens: 5, total_tokens: 8 });

const chat = await client.chat.completions.create({
  model: 'echo',
  messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello wasm world' }],
  stop: ['world'],
});
expect('chat message', chat.choices[0].message, { role: 'assistant', content: 'hello wasm ' });
expect('chat finish', chat.choices[0].finish_reason, 'stop');

const stream = await client.chat.completions.create({
  model: 'echo', messages: [{ role: 'user', content: 'one two three' }], stream: true,
});
const deltas = [];
for await (const chunk of stream) deltas.push(chunk.choices[0].delta.content ?? '');
expect('chat stream deltas', deltas, ['one', ' two', ' three', '']);

const textStream = await client.completions.create({ model: 'echo', prompt: 'a b', stream: true });
const pieces = [];
for await (const chunk of textStream) pieces.push(chunk.choices[0].text);
expect('completion stream', pieces, ['a', ' b', '']);

try {
  await client.chat.completions.create({ model: 'missing', messages: [] });
  expect('unknown model', 'no error', 'an error');
} catch (e) {
  expect('unknown model', [e.status, e.code], [404, 'model_not_found']);
}
console.log('all checks passed');
