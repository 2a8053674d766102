package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"chengguan/internal/apperr"
)

// InstallationKeySize is the length of an installation key in bytes.
const InstallationKeySize = 32

// InstallationKey returns the installation's key called name: random bytes made by the
// first caller on any node and kept in installation_keys, so that every node and every
// restart derives the same secrets from it. A key is never replaced: losing the table's
// row only means secrets derived before cannot be derived again.
func (db *DB) InstallationKey(ctx context.Context, name string) ([]byte, error) {
	read := func() ([]byte, error) {
		var hexed string
		if err := db.Reader().QueryRowContext(ctx, `SELECT secret FROM installation_keys WHERE name = $1`, name).Scan(&hexed); err != nil {
			return nil, mapErr(err, "error.not_found")
		}
		key, err := hex.DecodeString(hexed)
		if err != nil || len(key) < InstallationKeySize {
			return nil, apperr.Internalf("installation key %q is damaged", name)
		}
		return key, nil
	}
	key, err := read()
	if !apperr.Is(err, apperr.NotFound) {
		return key, err
	}
	fresh := make([]byte, InstallationKeySize)
	if _, err := rand.Read(fresh); err != nil {
		return nil, apperr.Internalf("installation key: %w", err)
	}
	// Two nodes may race to make it: the first insert wins and both read the winner.
	err = db.Transact(ctx, func(q Querier) error {
		_, err := q.ExecContext(ctx, `INSERT INTO installation_keys (name, secret, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO NOTHING`, name, hex.EncodeToString(fresh), time.Now().UnixMilli())
		return mapErr(err, "")
	})
	if err != nil {
		return nil, err
	}
	return read()
}
