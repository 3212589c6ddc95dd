/**
 * Finds a key given twice in one JSON object, at any depth. JSON.parse keeps the last value of a
 * repeated key, while another reader of the same bytes may keep the first: a signed, money-carrying
 * body must have one reading, so such a body is refused.
 *
 * Why a scanner of its own: JSON.parse has already merged the keys when a reviver sees them, and
 * Node 20 has no reviver source context. A second full parse would build every value twice; this
 * walks the bytes once, builds only the key strings (one Set per object) and leaves syntax errors to
 * JSON.parse, which runs after it. It reads UTF-8 bytes: every structural character is ASCII, and no
 * byte of a multi-byte UTF-8 sequence is below 0x80, so none of them can be taken for one.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

interface Level {
  /** The keys seen so far in an object; null in an array. */
  keys: Set<string> | null;
  /** The current key (object) or index (array), for the path of a duplicate. */
  at: string | number;
}

/** The dotted path of the first repeated key (`metadata.cart`), or null when every key is unique. */
export function findDuplicateKey(body: Buffer): string | null {
  const levels: Level[] = [];
  let expectKey = false;
  for (let i = 0; i < body.length; i += 1) {
    switch (body[i]) {
      case QUOTE: {
        const start = i;
        // Plain: no escape and ASCII only, so the bytes are the key as they stand.
        let plain = true;
        for (i += 1; i < body.length && body[i] !== QUOTE; i += 1) {
          if (body[i] === BACKSLASH) {
            plain = false;
            i += 1;
          } else if (body[i]! >= 0x80) {
            plain = false;
          }
        }
        if (!expectKey) break;
        expectKey = false;
        const level = levels[levels.length - 1]!;
        const key = readKey(body, start, i, plain);
        // Not a valid string: JSON.parse will say so.
        if (key === null) return null;
        if (level.keys!.has(key)) return [...levels.slice(0, -1).map((l) => l.at), key].join('.');
        level.keys!.add(key);
        level.at = key;
        break;
      }
      case OPEN_OBJECT:
        levels.push({ keys: new Set(), at: '' });
        expectKey = true;
        break;
      case OPEN_ARRAY:
        levels.push({ keys: null, at: 0 });
        expectKey = false;
        break;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        levels.pop();
        expectKey = false;
        break;
      case COMMA: {
        const level = levels[levels.length - 1];
        if (level?.keys) expectKey = true;
        else if (level) level.at = (level.at as number) + 1;
        break;
      }
      default:
        // Whitespace, ':', numbers and literals carry no keys.
        break;
    }
  }
  return null;
}

/** The key between the quotes at `start` and `end`, decoded so that `"a"` and `"\u0061"` compare equal. */
function readKey(body: Buffer, start: number, end: number, plain: boolean): string | null {
  if (plain) return body.toString('latin1', start + 1, end);
  try {
    const key: unknown = JSON.parse(body.toString('utf8', start, end + 1));
    return typeof key === 'string' ? key : null;
  } catch {
    return null;
  }
}
