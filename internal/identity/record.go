package identity

import (
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/ledger"
)

// LedgerActor names the actor in the full-process record: an account ID, or
// "system" for the command line and the services' own acts.
func LedgerActor(a *Actor) string {
	if a == nil || a.system || a.AccountID == "" {
		return "system"
	}
	return a.AccountID
}

// NewRecord makes the ledger record of a change: who, in the role and unit
// through which Decide allowed action on where (Via), did it to which
// subject, with the digests of the subject before and after. Every
// capability builds its records here, for the store to seal and append in
// the change's transaction.
func NewRecord(id string, at time.Time, actor *Actor, action Action, where Resource,
	subject ledger.Subject, beforeDigest, afterDigest string) ledger.Record {
	via := Via(actor, action, where)
	return ledger.Record{ID: id, At: at, ActorID: LedgerActor(actor), Role: string(via.Role), UnitID: via.UnitID,
		Action: string(action), Subject: subject, Before: beforeDigest, After: afterDigest}
}

// ChangeRecord is NewRecord with the digests of the subject's states before
// and after (nil for none).
func ChangeRecord(id string, at time.Time, actor *Actor, action Action, where Resource,
	subject ledger.Subject, before, after any) (ledger.Record, error) {
	b, err := ledger.Digest(before)
	if err != nil {
		return ledger.Record{}, apperr.Internalf("digest: %w", err)
	}
	a, err := ledger.Digest(after)
	if err != nil {
		return ledger.Record{}, apperr.Internalf("digest: %w", err)
	}
	return NewRecord(id, at, actor, action, where, subject, b, a), nil
}
