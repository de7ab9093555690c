// Runs graphql-http's server audits against a running Seatkeeper and fails on any MUST or
// SHOULD that does not pass. Usage: node audit.mjs <url> <token>
import { serverAudits } from 'graphql-http';

const [url, token] = process.argv.slice(2);
if (!url || !token) {
  console.error('usage: node audit.mjs <url> <token>');
  process.exit(2);
}

// Every operation needs a bearer token, so the audits' requests get one added.
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers || {});
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

let passed = 0;
let failed = 0;
for (const audit of serverAudits({ url, fetchFn })) {
  const result = await audit.fn();
  const level = audit.name.split(' ')[0];
  if (result.status === 'ok') {
    passed += 1;
  } else if (level === 'MAY') {
    console.log(`note (${result.status}): ${audit.name}: ${result.reason}`);
    passed += 1;
  } else {
    failed += 1;
    console.log(`FAIL (${result.status}): ${audit.name}: ${result.reason}`);
  }
}
console.log(`graphql-http audit: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
