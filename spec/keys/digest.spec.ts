import { expect } from 'chai';
import { DIGEST_KEY_LENGTH, DIGEST_MARKER, digestKey } from '../../lib/keys/digest.js';

describe('keys: digestKey', () => {
  it('is the marker followed by SHA-256 in base64url (known vector)', () => {
    expect(digestKey('abc')).to.equal('#ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });

  it(`is always ${DIGEST_KEY_LENGTH} characters and starts with ${DIGEST_MARKER}`, () => {
    for (const s of ['', 'x', 'y'.repeat(100_000), '😀', '{a:1}']) {
      const d = digestKey(s);
      expect(d).to.have.length(DIGEST_KEY_LENGTH);
      expect(d.startsWith(DIGEST_MARKER)).to.equal(true);
      expect(d).to.match(/^#[A-Za-z0-9_-]{43}$/);
    }
  });

  it('hashes the UTF-8 bytes: different text, different digest', () => {
    expect(digestKey('é')).to.not.equal(digestKey('e'));
    expect(digestKey('a'.repeat(999) + 'b')).to.not.equal(digestKey('a'.repeat(999) + 'c'));
  });
});
