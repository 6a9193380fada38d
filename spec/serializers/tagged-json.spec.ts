import { expect } from 'chai';
import { DecodeError } from '../../lib/core/errors.js';
import { decodeTagged, encodeTagged, taggedJsonSerializer } from '../../lib/serializers/tagged-json.js';

/** Encode, turn into bytes as Redis would hand them back, decode. */
function roundTrip(value: unknown): unknown {
  const payload = encodeTagged(value);
  return decodeTagged(Buffer.from(payload, 'utf8'));
}

function decodeText(text: string): unknown {
  return decodeTagged(Buffer.from(text, 'utf8'));
}

describe('taggedJsonSerializer', () => {
  it('is the Serializer shape (encode to string, decode from Buffer)', () => {
    expect(taggedJsonSerializer.encode({ a: 1 })).to.be.a('string');
    expect(taggedJsonSerializer.decode(Buffer.from('J{"a":1}'))).to.deep.equal({ a: 1 });
  });

  describe('round trip', () => {
    const bytes = [0, 1, 2, 127, 128, 254, 255];
    const cases: Array<[string, unknown]> = [
      ['null', null],
      ['top-level undefined', undefined],
      ['true', true],
      ['false', false],
      ['0', 0],
      ['-0', -0],
      ['a negative float', -12.5],
      ['NaN', NaN],
      ['Infinity', Infinity],
      ['-Infinity', -Infinity],
      ['Number.MAX_VALUE', Number.MAX_VALUE],
      ['a string', 'héllo ✓ "q" \\ \n'],
      ['an empty string', ''],
      ['an ISO date string (stays a string)', '2024-01-02T03:04:05.000Z'],
      ['a string that looks like a tag', '{"$t":"Date","v":0}'],
      ['a string starting with the format byte', 'T{"$t":"u"}'],
      ['a BigInt', 12345678901234567890123456789n],
      ['a negative BigInt', -42n],
      ['a Date', new Date('2024-01-02T03:04:05.678Z')],
      ['an invalid Date', new Date(NaN)],
      ['a Map with object keys', new Map<unknown, unknown>([[{ k: 1 }, 'v'], [1, new Date(5)], ['1', undefined]])],
      ['a Set', new Set<unknown>([1, '1', null, undefined, 2n])],
      ['a Buffer', Buffer.from(bytes)],
      ['an empty Buffer', Buffer.alloc(0)],
      ['Int8Array', new Int8Array([-128, 0, 127])],
      ['Uint8Array', new Uint8Array(bytes)],
      ['Uint8ClampedArray', new Uint8ClampedArray([0, 255])],
      ['Int16Array', new Int16Array([-32768, 32767])],
      ['Uint16Array', new Uint16Array([0, 65535])],
      ['Int32Array', new Int32Array([-(2 ** 31), 2 ** 31 - 1])],
      ['Uint32Array', new Uint32Array([0, 2 ** 32 - 1])],
      ['Float32Array', new Float32Array([1.5, -0, NaN, Infinity])],
      ['Float64Array', new Float64Array([Math.PI, -0, NaN, -Infinity])],
      ['BigInt64Array', new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n])],
      ['BigUint64Array', new BigUint64Array([0n, 2n ** 64n - 1n])],
      ['an ArrayBuffer', new Uint8Array(bytes).buffer],
      ['a DataView', new DataView(new Uint8Array(bytes).buffer)],
      ['a RegExp', /a+b?/giu],
      ['an array with undefined and null', [undefined, null, 1, undefined]],
      ['an object with an undefined property', { a: undefined, b: null, c: 1 }],
      ['nested arrays and objects', { list: [[1, [2, [3, { deep: [undefined, NaN] }]]]], o: { p: { q: 'r' } } }],
      ['a plain JSON-like object', { id: 7, name: 'widget', tags: ['a', 'b'], nested: { ok: true, n: null } }],
      ['an empty object', {}],
      ['an empty array', []],
      ['a user object with the tag key', { $t: 'Date', v: 0 }],
      ['a user object with $-keys next to special values', { $t: 'u', $$t: 'x', $: 1, a: undefined }],
      ['an object with a __proto__ own key', JSON.parse('{"__proto__":{"polluted":true},"x":1}')],
      ['a Map inside an array inside a Set', new Set([[new Map([['k', [new Date(1)]]])]])],
    ];
    for (const [label, value] of cases) {
      it(label, () => {
        const back = roundTrip(value);
        if (typeof value === 'number' && Number.isNaN(value)) expect(back).to.be.NaN;
        else if (Object.is(value, -0)) expect(Object.is(back, -0), 'is -0').to.equal(true);
        else expect(back).to.deep.equal(value);
        if (value !== null && typeof value === 'object') {
          expect(Object.getPrototypeOf(back)).to.equal(Object.getPrototypeOf(value));
        }
      });
    }

    it('keeps -0 nested in arrays and objects', () => {
      const back = roundTrip({ a: [-0, 0], b: -0 }) as { a: number[]; b: number };
      expect(Object.is(back.a[0], -0)).to.equal(true);
      expect(Object.is(back.a[1], 0)).to.equal(true);
      expect(Object.is(back.b, -0)).to.equal(true);
    });

    it('keeps undefined properties as own properties', () => {
      const back = roundTrip({ a: undefined }) as object;
      expect(Object.prototype.hasOwnProperty.call(back, 'a')).to.equal(true);
    });

    it('keeps array holes as undefined and lengths', () => {
      // eslint-disable-next-line no-sparse-arrays
      const back = roundTrip([1, , 3]) as unknown[];
      expect(back).to.have.length(3);
      expect(back[1]).to.equal(undefined);
    });

    it('copies a typed array view with an offset, not its whole buffer', () => {
      const whole = new Uint8Array([9, 9, 1, 2, 3, 9]);
      const view = new Uint16Array(whole.buffer, 2, 1);
      const back = roundTrip(view) as Uint16Array;
      expect(back).to.be.instanceOf(Uint16Array);
      expect([...back]).to.deep.equal([...view]);
      const buffer = Buffer.from(whole.buffer, 1, 3);
      expect(roundTrip(buffer)).to.deep.equal(Buffer.from([9, 1, 2]));
    });

    it('uses toJSON like JSON does, and drops functions from objects', () => {
      const withToJson = { toJSON: () => ({ replaced: true, when: new Date(3) }) };
      expect(roundTrip({ v: withToJson })).to.deep.equal({ v: { replaced: true, when: new Date(3) } });
      expect(roundTrip({ f: () => 1, n: undefined })).to.deep.equal({ n: undefined });
      expect(roundTrip([() => 1, Symbol('s')])).to.deep.equal([null, null]);
    });

    it('writes class instances as plain objects of their own properties (like JSON)', () => {
      class Point {
        constructor(
          readonly x: number,
          readonly y: number,
        ) {}
        length(): number {
          return Math.hypot(this.x, this.y);
        }
      }
      expect(roundTrip(new Point(1, 2))).to.deep.equal({ x: 1, y: 2 });
    });

    it('throws a TypeError for a cycle and for a top-level function or symbol', () => {
      const cyclic: Record<string, unknown> = { a: 1 };
      cyclic['self'] = cyclic;
      expect(() => encodeTagged(cyclic)).to.throw(TypeError, /cycle/);
      expect(() => encodeTagged(() => 1)).to.throw(TypeError);
      expect(() => encodeTagged(Symbol('s'))).to.throw(TypeError);
      const shared = { s: 1 };
      expect(roundTrip({ a: shared, b: shared })).to.deep.equal({ a: { s: 1 }, b: { s: 1 } });
    });
  });

  describe('format', () => {
    it('writes plain JSON-like data as plain JSON (the fast path)', () => {
      expect(encodeTagged({ a: [1, 'x', null, true], b: { c: 2.5 } })).to.equal('J{"a":[1,"x",null,true],"b":{"c":2.5}}');
      expect(encodeTagged('2024-01-02T03:04:05.000Z')).to.equal('J"2024-01-02T03:04:05.000Z"');
      expect(encodeTagged({ $t: 'Date', v: 0 })).to.equal('J{"$t":"Date","v":0}');
    });

    it('switches to the tagged form only when JSON would lose something', () => {
      expect(encodeTagged({ d: new Date(0) }).startsWith('T')).to.equal(true);
      expect(encodeTagged([undefined]).startsWith('T')).to.equal(true);
      expect(encodeTagged(-0).startsWith('T')).to.equal(true);
    });

    it('escapes user $-keys in the tagged form, so no user data is read as a tag', () => {
      const payload = encodeTagged({ $t: 'Date', v: 0, when: new Date(0) });
      expect(payload).to.contain('"$$t":"Date"');
      expect(roundTrip({ $t: 'Date', v: 0, when: new Date(0) })).to.deep.equal({ $t: 'Date', v: 0, when: new Date(0) });
    });

    it('handles very deep plain data through the tagged encoder', () => {
      let deep: unknown = 'leaf';
      for (let i = 0; i < 200; i++) deep = { d: deep };
      expect(roundTrip(deep)).to.deep.equal(deep);
    });
  });

  describe('forgery resistance', () => {
    it('never turns a plain payload into a special value', () => {
      expect(decodeText('J{"$t":"Date","v":0}')).to.deep.equal({ $t: 'Date', v: 0 });
      expect(decodeText('J{"$t":"u"}')).to.deep.equal({ $t: 'u' });
    });

    it('does not let a decoded __proto__ key pollute prototypes', () => {
      const back = decodeText('T{"__proto__":{"polluted":true},"d":{"$t":"Date","v":0}}') as Record<string, unknown>;
      expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
      expect(Object.getPrototypeOf(back)).to.equal(Object.prototype);
      expect(Object.prototype.hasOwnProperty.call(back, '__proto__')).to.equal(true);
    });
  });

  describe('decode errors', () => {
    const garbage: Array<[string, Buffer]> = [
      ['an empty payload', Buffer.alloc(0)],
      ['random bytes', Buffer.from([0xff, 0x00, 0x13, 0x37, 0x80])],
      ['plain text of another program', Buffer.from('hello world')],
      ['bare JSON without the format byte', Buffer.from('{"a":1}')],
      ['truncated JSON', Buffer.from('J{"a":')],
      ['an unknown tag', Buffer.from('T{"$t":"Nope","v":1}')],
      ['a bad bigint', Buffer.from('T{"$t":"big","v":"12x"}')],
      ['a bad number tag', Buffer.from('T{"$t":"n","v":"7"}')],
      ['a typed array of the wrong byte length', Buffer.from(`T{"$t":"Uint32Array","v":"${Buffer.from([1, 2, 3]).toString('base64')}"}`)],
      ['an unescaped $-key', Buffer.from('T{"$x":1}')],
      ['a bad Map', Buffer.from('T{"$t":"Map","v":[[1]]}')],
    ];
    for (const [label, payload] of garbage) {
      it(`throws a DecodeError for ${label}`, () => {
        expect(() => decodeTagged(payload)).to.throw(DecodeError);
      });
    }
  });
});
