package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Digest is the hex SHA-256 of the canonical JSON encoding of v, for a record's Before and
// After. A value that encodes as JSON null (nil, a nil pointer) is "no state": its Digest is
// the empty string.
//
// The canonical form is v encoded by encoding/json, then decoded and encoded again so that:
//
//   - object keys are sorted by their UTF-8 bytes at every level — struct fields as well as
//     map keys, so reordering the fields of a struct does not change its digest, while
//     renaming a field or its json tag does;
//   - there is no whitespace between tokens;
//   - strings are escaped as encoding/json escapes them, except that <, > and & are kept
//     as they are; invalid UTF-8 has become U+FFFD;
//   - numbers keep the text encoding/json wrote (integers in decimal, floats in the shortest
//     form that round-trips); a type with its own MarshalJSON is canonical only if its output
//     is.
//
// So the digest of a value is stable for as long as its JSON is, across Go versions and
// machines. It is not RFC 8785 (JCS), which differs in number formatting.
func Digest(v any) (string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("%w: digest: %w", ErrInvalid, err)
	}
	canon, err := canonicalJSON(raw)
	if err != nil {
		return "", err
	}
	if string(canon) == "null" {
		return "", nil
	}
	return DigestBytes(canon), nil
}

// DigestBytes is the hex SHA-256 of b: the content address of an evidence file.
func DigestBytes(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// canonicalJSON rewrites the output of json.Marshal into the canonical form.
// Most states take the fast path, which sorts object members in place of
// decoding into maps of interfaces and encoding again (a digest is paid twice
// in every state change, inside its transaction); anything the fast path is
// not sure to render exactly as the slow one does goes the slow way.
func canonicalJSON(raw []byte) ([]byte, error) {
	c := canonicalizer{in: raw}
	// The fast path takes compact JSON only and reorders it: the output is
	// exactly as long as the input.
	if out, ok := c.value(make([]byte, 0, len(raw))); ok && c.pos == len(raw) {
		return out, nil
	}
	return canonicalJSONSlow(raw)
}

// canonicalJSONSlow is the definition of the canonical form: decode, encode.
func canonicalJSONSlow(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, fmt.Errorf("%w: digest: %w", ErrInvalid, err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(tree); err != nil {
		return nil, fmt.Errorf("%w: digest: %w", ErrInvalid, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// canonicalizer is the fast path of canonicalJSON over compact JSON as
// json.Marshal writes it. It gives up (ok false) on whatever it could render
// differently from the slow path: a string with a backslash or a byte the
// encoder escapes (its escapes would need decoding and re-encoding), a
// duplicate key, whitespace, anything unexpected. Numbers are copied as they
// are, as json.Number keeps them in the slow path.
type canonicalizer struct {
	in  []byte
	pos int
}

// member is an object member: its key with the quotes, and where its
// rendered value lies in the object's buffer of values.
type member struct {
	key    []byte
	lo, hi int
}

func (c *canonicalizer) value(dst []byte) ([]byte, bool) {
	if c.pos >= len(c.in) {
		return dst, false
	}
	switch b := c.in[c.pos]; {
	case b == '{':
		return c.object(dst)
	case b == '[':
		c.pos++
		dst = append(dst, '[')
		if c.pos < len(c.in) && c.in[c.pos] == ']' {
			c.pos++
			return append(dst, ']'), true
		}
		for {
			var ok bool
			if dst, ok = c.value(dst); !ok || c.pos >= len(c.in) {
				return dst, false
			}
			switch c.in[c.pos] {
			case ',':
				c.pos++
				dst = append(dst, ',')
			case ']':
				c.pos++
				return append(dst, ']'), true
			default:
				return dst, false
			}
		}
	case b == '"':
		s, ok := c.str()
		return append(dst, s...), ok
	case b == '-' || (b >= '0' && b <= '9'):
		start := c.pos
		for c.pos < len(c.in) && strings.IndexByte("0123456789+-.eE", c.in[c.pos]) >= 0 {
			c.pos++
		}
		return append(dst, c.in[start:c.pos]...), true
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			if bytes.HasPrefix(c.in[c.pos:], []byte(lit)) {
				c.pos += len(lit)
				return append(dst, lit...), true
			}
		}
		return dst, false
	}
}

func (c *canonicalizer) object(dst []byte) ([]byte, bool) {
	c.pos++ // {
	if c.pos < len(c.in) && c.in[c.pos] == '}' {
		c.pos++
		return append(dst, "{}"...), true
	}
	// The members' values are rendered one after the other into one buffer,
	// then copied out in the order of their keys: one buffer per object
	// rather than one per member.
	var room [64]member // a case has ~45 members; most objects fewer: no allocation for them
	ms := room[:0]
	// The values take at most what is left of the input: one allocation of that
	// size rather than a series of growing ones.
	vals := make([]byte, 0, len(c.in)-c.pos)
	for {
		if c.pos >= len(c.in) || c.in[c.pos] != '"' {
			return dst, false
		}
		k, ok := c.str()
		if !ok || c.pos >= len(c.in) || c.in[c.pos] != ':' {
			return dst, false
		}
		c.pos++
		lo := len(vals)
		if vals, ok = c.value(vals); !ok || c.pos >= len(c.in) {
			return dst, false
		}
		ms = append(ms, member{key: k, lo: lo, hi: len(vals)})
		if c.in[c.pos] == '}' {
			c.pos++
			break
		}
		if c.in[c.pos] != ',' {
			return dst, false
		}
		c.pos++
	}
	// Keys compare without their quotes: "a" sorts before "a!", though '!'
	// is below '"'. Without escapes, the bytes are the decoded key's.
	slices.SortFunc(ms, func(a, b member) int { return bytes.Compare(a.key[1:len(a.key)-1], b.key[1:len(b.key)-1]) })
	dst = append(dst, '{')
	for i, m := range ms {
		if i > 0 {
			if bytes.Equal(ms[i-1].key, m.key) {
				return dst, false // the slow path keeps the last; leave it to it
			}
			dst = append(dst, ',')
		}
		dst = append(dst, m.key...)
		dst = append(dst, ':')
		dst = append(dst, vals[m.lo:m.hi]...)
	}
	return append(dst, '}'), true
}

// str returns the string at c.pos with its quotes, if the encoder writes it
// back unchanged: no backslash, no control character, valid UTF-8 without
// U+2028 or U+2029.
func (c *canonicalizer) str() ([]byte, bool) {
	start := c.pos
	c.pos++
	for c.pos < len(c.in) {
		switch b := c.in[c.pos]; {
		case b == '"':
			c.pos++
			s := c.in[start:c.pos]
			return s, utf8.Valid(s) && !containsLineSep(s)
		case b == '\\' || b < 0x20:
			return nil, false
		}
		c.pos++
	}
	return nil, false
}

// containsLineSep reports U+2028 or U+2029, which the encoder escapes.
func containsLineSep(s []byte) bool {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == 0xe2 && s[i+1] == 0x80 && (s[i+2] == 0xa8 || s[i+2] == 0xa9) {
			return true
		}
	}
	return false
}
