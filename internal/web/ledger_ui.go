package web

import (
	"errors"
	"net/http"

	"chengguan/internal/identity"
	"chengguan/internal/ledger"
)

// timelineLength bounds the records shown on a page; the full chain is for
// `chengguan ledger verify` and exports.
const timelineLength = 50

// entry is one line of a timeline: a record with its actor's name.
type entry struct {
	Record ledger.Record
	Actor  string // display name, or "" for the system
}

// timeline loads the newest records of one subject, oldest first, naming
// the actors the viewer may see (others by their account ID).
func (s *Server) timeline(r *http.Request, actor *identity.Actor, kind, id string) ([]entry, error) {
	recs, err := s.ledger.ForSubject(r.Context(), kind, id, timelineLength)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	out := make([]entry, len(recs))
	for i, rec := range recs {
		out[i] = entry{Record: rec}
		if rec.ActorID == "system" {
			continue
		}
		name, ok := names[rec.ActorID]
		if !ok {
			name = rec.ActorID
			if a, err := s.identity.Account(r.Context(), actor, rec.ActorID); err == nil {
				name = a.DisplayName
			}
			names[rec.ActorID] = name
		}
		out[i].Actor = name
	}
	return out, nil
}

type ledgerPageData struct {
	Summary ledger.Summary
	Broken  *ledger.Error
}

// ledgerPage checks the whole record chain for an administrator of the
// whole tree. Signed checkpoints need the installation's public key and are
// checked by the command line.
func (s *Server) ledgerPage(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "ledger.page")
	if err := identity.Decide(v.Actor, identity.ActLedgerVerify, identity.Resource{}).Err(); err != nil {
		return err
	}
	sum, err := ledger.Verify(s.ledger.Records(r.Context()), ledger.Options{})
	d := &ledgerPageData{Summary: sum}
	var broken *ledger.Error
	switch {
	case errors.As(err, &broken):
		d.Broken = broken
	case err != nil:
		return err
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "ledger", v)
	return nil
}
