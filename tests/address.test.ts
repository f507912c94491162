// Address normalisation is pure: these run without any service.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MESSAGES, normaliseAddress } from '../src/subscriptions/address.ts';

const accepts = (input: string, email: string) => {
  const result = normaliseAddress(input);
  assert.ok(result.ok, `${JSON.stringify(input)} should be accepted, got: ${result.ok ? '' : result.message}`);
  assert.equal(result.email, email);
};
const refuses = (input: unknown, message: string) => {
  const result = normaliseAddress(input);
  assert.equal(result.ok, false, `${JSON.stringify(input)} should be refused`);
  if (!result.ok) assert.equal(result.message, message);
};

test('the local part is kept as typed, the domain lower-cased, the whole trimmed', () => {
  accepts('  Ada.Lovelace+Papers@Example.ORG  ', 'Ada.Lovelace+Papers@example.org');
  const result = normaliseAddress('  Ada@Example.org ');
  assert.ok(result.ok);
  assert.equal(result.input, 'Ada@Example.org', 'what the reader typed is kept (trimmed) for showing back');
});

test('international domains are stored in punycode', () => {
  accepts('ada@Bücher.de', 'ada@xn--bcher-kva.de');
  accepts('ada@例え.テスト', 'ada@xn--r8jz45g.xn--zckzah');
  accepts('ada@ＥＸＡＭＰＬＥ.org', 'ada@example.org');
  accepts('ada@xn--bcher-kva.de', 'ada@xn--bcher-kva.de');
});

test('RFC 5321 limits: 64 octets before the @, 254 in all', () => {
  accepts(`${'x'.repeat(64)}@example.org`, `${'x'.repeat(64)}@example.org`);
  refuses(`${'x'.repeat(65)}@example.org`, MESSAGES.localTooLong);
  const domain254 = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(50)}.org`; // 246 octets
  accepts(`1234567@${domain254}`, `1234567@${domain254}`); // 254
  refuses(`12345678@${domain254}`, MESSAGES.tooLong); // 255
  refuses(`ada@${'a'.repeat(64)}.org`, MESSAGES.badDomain);
});

test('quoted local parts are refused with a message saying so', () => {
  refuses('"ada lovelace"@example.org', MESSAGES.quoted);
  refuses('"ada"@example.org', MESSAGES.quoted);
});

test('line breaks and control characters are refused wherever they are (header injection)', () => {
  refuses('ada@example.org\r\nBcc: eve@example.org', MESSAGES.control);
  refuses('ada@example.org\n', MESSAGES.control);
  refuses('ada\u0000@example.org', MESSAGES.control);
  refuses('ada@example.org\u2028', MESSAGES.control);
});

test('obvious junk gets a sentence a person understands', () => {
  refuses(undefined, MESSAGES.missing);
  refuses('   ', MESSAGES.missing);
  refuses(['ada@example.org'], MESSAGES.notText);
  refuses(42, MESSAGES.notText);
  refuses('ada', MESSAGES.noAt);
  refuses('ada@bob@example.org', MESSAGES.manyAt);
  refuses('@example.org', MESSAGES.noLocal);
  refuses('ada@', MESSAGES.noDomain);
  refuses('ada lovelace@example.org', MESSAGES.space);
  refuses('.ada@example.org', MESSAGES.badLocal);
  refuses('ada..lovelace@example.org', MESSAGES.badLocal);
  refuses('<script>@example.org', MESSAGES.badLocal);
  refuses('jöran@example.org', MESSAGES.nonAsciiLocal);
  refuses('ada@localhost', MESSAGES.badDomain);
  refuses('ada@example.org.', MESSAGES.badDomain);
  refuses('ada@-example.org', MESSAGES.badDomain);
  refuses('ada@example.c', MESSAGES.badDomain);
  refuses('ada@[127.0.0.1]', MESSAGES.ipLiteral);
  refuses('ada@127.0.0.1', MESSAGES.ipLiteral);
  refuses('a'.repeat(10_000), MESSAGES.tooLong);
  for (const message of Object.values(MESSAGES)) assert.match(message, /^[A-Z"].*\.$/, 'messages are sentences');
});

test('whatever is typed, an accepted address is stable, safe in a header, and within the limits', () => {
  const anything = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc.emailAddress(),
    fc.tuple(fc.emailAddress(), fc.constantFrom(' ', '\r\n', '"', '@', 'é', '..', '\t')).map(([email, junk]) => email + junk),
  );
  fc.assert(
    fc.property(anything, (input) => {
      const result = normaliseAddress(input);
      if (!result.ok) return;
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(result.email, /[\s"<>\\,;\u0000-\u001f\u007f]/);
      assert.ok(Buffer.byteLength(result.email) <= 254);
      assert.equal(result.email.split('@').length, 2);
      const again = normaliseAddress(result.email);
      assert.ok(again.ok && again.email === result.email, 'normalising twice changes nothing');
    }),
    { numRuns: 3000 },
  );
});

test('the limits and rules at their edges, each refused with its own sentence', () => {
  refuses(null, MESSAGES.missing);
  refuses('x'.repeat(512), MESSAGES.noAt); // 512 characters are looked at; a longer input is not
  refuses('x'.repeat(513), MESSAGES.tooLong);
  // A domain of 255 octets passes the domain limit (and then the address is too long); 256 does not.
  const domainOf = (length: number) => `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(length - 196)}.org`;
  assert.equal(domainOf(255).length, 255);
  refuses(`ada@${domainOf(255)}`, MESSAGES.tooLong);
  refuses(`ada@${domainOf(256)}`, MESSAGES.badDomain);
  // The ending is the last label, letters only (or punycode), from its first character to its last.
  refuses('ada@example.co1', MESSAGES.badDomain);
  refuses('ada@example.1co', MESSAGES.badDomain);
  refuses('ada@mail.example.c0', MESSAGES.badDomain);
  accepts('ada@mail.ex4mple.org', 'ada@mail.ex4mple.org');
  // Only a domain made of digits and dots is an IP address.
  accepts('ada@123abc.org', 'ada@123abc.org');
  refuses('ada@1.2.3.4', MESSAGES.ipLiteral);
});
