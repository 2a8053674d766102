// Package ledger is chengguan's full-process record (执法全过程记录): an append-only chain of
// records, one per state change, each holding the hash of the one before, with checkpoints
// signed by the installation's ed25519 key that a third party can keep. Whoever edits,
// deletes, inserts or reorders a record breaks the chain; whoever rewrites the whole chain
// and re-seals it no longer matches a checkpoint held outside.
//
// This package is the pure core: it seals records, verifies a stream of them and signs and
// checks checkpoints. It must stay free of databases, HTTP, the command line, clocks (callers
// pass times), file or network I/O and mutable package state, and it imports only the
// standard library. Storage adapters read and write records; they hold no rules.
//
// # Record hash (version cg-ledger-v1)
//
// The hash of a record is the lowercase hex SHA-256 of this byte string, and it must never
// change once records exist (a new encoding needs a new version string and a migration
// plan):
//
//	str("cg-ledger-v1")
//	u64(Seq)                  8 bytes, big-endian
//	u64(At in Unix milliseconds, two's complement)
//	str(ID) str(ActorID) str(Role) str(UnitID) str(Action)
//	str(Subject.Kind) str(Subject.ID)
//	str(Before) str(After) str(Reason) str(PrevHash)
//
// where str(s) is the byte length of s as a 4-byte big-endian unsigned integer followed by
// the UTF-8 bytes of s. Digests and hashes enter the encoding as their 64-character lowercase
// hex text; an absent Before or After digest is the empty string. Every field is either
// fixed-width or length-prefixed and the field list is fixed, so no two different records
// share an encoding. The PrevHash of record 1 is Genesis (64 zeros). The golden vectors in
// record_test.go pin this encoding.
//
// # Checkpoint message (version cg-ledger-checkpoint-v1)
//
// A checkpoint signs, with ed25519, the UTF-8 text
//
//	cg-ledger-checkpoint-v1\n
//	seq <Seq in decimal>\n
//	hash <Hash, 64 lowercase hex>\n
//	at <At as 2006-01-02T15:04:05.000Z, UTC>\n
//	key <KeyID>\n
//
// KeyID is the first 16 hex characters of the SHA-256 of the raw 32-byte public key. Keys
// are stored as PEM: PKCS #8 "PRIVATE KEY" and PKIX "PUBLIC KEY", the forms openssl reads,
// so a third party can check a checkpoint with the public key alone (see checkpoint.go for
// the JSON form).
//
// # What verification can and cannot see
//
// Records are hashed, not keyed: anyone with write access can append a well-formed record at
// the end, or delete the newest records, without breaking the chain. Only a checkpoint held
// outside the database catches a truncated or wholesale-rewritten chain, which is why
// checkpoints are taken periodically and published.
package ledger
