// Package ids makes the time-ordered identifiers every record uses (UUIDv7,
// RFC 9562): sortable by creation time, unique across nodes without a
// coordinator.
package ids

import "github.com/google/uuid"

// New returns a new UUIDv7 in canonical text form.
func New() string {
	return uuid.Must(uuid.NewV7()).String()
}

// Valid reports whether s is a UUID in canonical lower-case form, so that
// malformed IDs from a request are refused before they reach a query. Upper
// case is refused too: PostgreSQL compares uuid values and SQLite compares
// text, and the two stores must answer alike.
func Valid(s string) bool {
	if len(s) != 36 {
		return false
	}
	u, err := uuid.Parse(s)
	return err == nil && u.String() == s
}
