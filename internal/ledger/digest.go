package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
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

func canonicalJSON(raw []byte) ([]byte, error) {
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
