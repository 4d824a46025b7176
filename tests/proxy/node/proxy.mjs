// The openai npm package against the Sentinel proxy; prints one JSON summary line.
// Usage: PROXY_BASE_URL=http://127.0.0.1:PORT/v1 PROXY_TOKEN=sst_... node proxy.mjs
import OpenAI from "openai";

const baseURL = process.env.PROXY_BASE_URL;
const client = new OpenAI({ baseURL, apiKey: process.env.PROXY_TOKEN, maxRetries: 0 });
const headers = { "X-Sentinel-Subject": "node-user-7", "X-Sentinel-App": "node-service" };
const messages = [{ role: "user", content: "hello from node" }];

const { data: completion, response } = await client.chat.completions
  .create({ model: "deepseek-v4-flash", messages }, { headers })
  .withResponse();

const { data: stream, response: streamResponse } = await client.chat.completions
  .create({ model: "deepseek-v4-flash", messages, stream: true }, { headers })
  .withResponse();
let streamed = "";
let chunks = 0;
for await (const chunk of stream) {
  chunks += 1;
  streamed += chunk.choices[0]?.delta?.content ?? "";
}

const models = [];
for await (const model of client.models.list()) models.push(model.id);

let badTokenStatus = null;
try {
  const intruder = new OpenAI({ baseURL, apiKey: "not-a-sentinel-token", maxRetries: 0 });
  await intruder.chat.completions.create({ model: "deepseek-v4-flash", messages });
} catch (err) {
  badTokenStatus = err.status ?? String(err);
}

console.log(
  JSON.stringify({
    content: completion.choices[0].message.content,
    totalTokens: completion.usage.total_tokens,
    requestId: response.headers.get("x-request-id"),
    streamed,
    chunks,
    streamRequestId: streamResponse.headers.get("x-request-id"),
    models,
    badTokenStatus,
  }),
);
