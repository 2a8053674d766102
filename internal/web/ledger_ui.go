package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"chengguan/internal/identity"
	"chengguan/internal/ledger"
)

// timelineLength bounds the records shown on a page; the full chain is for
// `chengguan ledger verify` and exports.
const timelineLength = 50

// entry is one line of a timeline: a record with its actor's name.
type entry struct {
	Record ledger.Record
	Actor  string // display name, or "" for the system and the public
	// Link: the viewer may open the actor's account page.
	Link bool
	// Public: a resident or an Open311 client acted (their identity is never shown).
	Public bool
}

// timeline loads the newest records of one subject, oldest first, naming
// the staff who acted (colleagues on a record see who did what; the account
// page is linked only for those who may open it) and never the public.
func (s *Server) timeline(r *http.Request, actor *identity.Actor, kind, id string) ([]entry, error) {
	recs, err := s.ledger.ForSubject(r.Context(), kind, id, timelineLength)
	if err != nil {
		return nil, err
	}
	type who struct {
		name string
		link bool
	}
	names := map[string]who{}
	out := make([]entry, len(recs))
	for i, rec := range recs {
		out[i] = entry{Record: rec, Public: publicActor(rec.ActorID)}
		if rec.ActorID == "system" || out[i].Public {
			continue
		}
		w, ok := names[rec.ActorID]
		if !ok {
			w.name, w.link = s.staffName(r.Context(), actor, rec.ActorID)
			names[rec.ActorID] = w
		}
		out[i].Actor, out[i].Link = w.name, w.link
	}
	return out, nil
}

// publicActor reports whether an actor ID stands for the public: a resident
// (public:<channel>, reporter) or an Open311 client (open311:<key>).
func publicActor(id string) bool {
	return id == "reporter" || strings.HasPrefix(id, "public:") || strings.HasPrefix(id, "open311:")
}

// staffName names the account that acted on a record: its display name for
// every member of staff (colleagues on a record see who did what), and
// whether the viewer may open its account page.
func (s *Server) staffName(ctx context.Context, viewer *identity.Actor, id string) (name string, link bool) {
	if a, err := s.identity.Account(ctx, viewer, id); err == nil {
		return a.DisplayName, true
	}
	if a, err := s.identity.Account(ctx, identity.System(), id); err == nil {
		return a.DisplayName, false
	}
	return id, false
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
