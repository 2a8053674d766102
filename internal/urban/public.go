package urban

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"chengguan/internal/apperr"
	"chengguan/internal/identity"
	"chengguan/internal/ledger"
)

// The public side of the loop: what Open311 clients and the public may read. Nothing
// here carries a reporter's identity: a Case has none, and Contact is never read here.

// PublicList lists cases for the public, newest first, by offset.
func (s *Service) PublicList(ctx context.Context, f Filter) ([]Case, error) {
	f.Scope, f.Public = identity.Scope{All: true}, true
	f.ReporterID, f.Pending, f.After = "", false, ""
	if f.Now.IsZero() {
		f.Now = s.now()
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 1000
	}
	return s.store.ListCases(ctx, f)
}

// PublicCase returns a case by its number.
func (s *Service) PublicCase(ctx context.Context, number string) (*Case, error) {
	return s.store.CaseByNumber(ctx, number)
}

// PublicUpdates lists the public history events in [from, to), oldest first.
func (s *Service) PublicUpdates(ctx context.Context, from, to time.Time, limit, offset int) ([]NumberedEvent, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	return s.store.PublicEvents(ctx, from, to, limit, offset)
}

// PublicNote adds a note from a public client (an Open311 app's comment) to a case's
// history, visible to staff and the public; it changes no state.
func (s *Service) PublicNote(ctx context.Context, number, clientKey, text string) (*Case, Event, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, Event{}, apperr.InvalidFields(apperr.Field("description", "case.note_required"))
	}
	if utf8.RuneCountInString(text) > MaxNote {
		return nil, Event{}, apperr.InvalidFields(apperr.Field("description", "case.note_too_long"))
	}
	c, err := s.store.CaseByNumber(ctx, number)
	if err != nil {
		return nil, Event{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	before := *c
	next := *c
	next.Version++
	next.UpdatedAt = now
	ev := Event{ID: s.newID(), CaseID: c.ID, At: now, ActorID: clientKey, Move: MoveNote, From: c.State, To: c.State,
		Note: text, Public: true}
	rec, err := s.record(nil, MoveNote, c, &before, &next, "")
	if err != nil {
		return nil, Event{}, err
	}
	rec.ActorID = clientKey
	if err := s.store.UpdateCase(ctx, &next, []Event{ev}, nil, []ledger.Record{rec}); err != nil {
		return nil, Event{}, err
	}
	return &next, ev, nil
}

// Reopen reopens a closed case at its reporter's request through the private tracking
// link, within the city's reopening period (重新打开): the case is filed again and goes
// back to the command centre for dispatch.
func (s *Service) Reopen(ctx context.Context, number, secret, reason string) (*Case, error) {
	return s.reporterMove(ctx, number, secret, Input{Move: MoveReopen, Note: strings.TrimSpace(reason), Public: true})
}

// Rate records the reporter's satisfaction (回访评价) through the tracking link.
func (s *Service) Rate(ctx context.Context, number, secret string, rating int, comment string) (*Case, error) {
	return s.reporterMove(ctx, number, secret, Input{Move: MoveRate, Rating: rating, Note: strings.TrimSpace(comment)})
}

// reporterMove makes a move the reporter asks for through the private tracking link.
// The reporter is never named: the event's actor is "reporter", the ledger's
// "public:reporter".
func (s *Service) reporterMove(ctx context.Context, number, secret string, in Input) (*Case, error) {
	c, _, err := s.Track(ctx, number, secret)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	if err := Check(c, in, s.cfg, now); err != nil {
		return nil, err
	}
	before := *c
	next := *c
	next.Version++
	next.UpdatedAt = now
	if err := s.apply(ctx, &next, in, now); err != nil {
		return nil, err
	}
	ev := Event{ID: s.newID(), CaseID: c.ID, At: now, ActorID: "reporter", Move: in.Move, From: c.State, To: next.State,
		Note: in.Note, Public: in.Public}
	rec, err := s.record(nil, in.Move, c, &before, &next, "")
	if err != nil {
		return nil, err
	}
	rec.ActorID = "public:reporter"
	if err := s.store.UpdateCase(ctx, &next, []Event{ev}, nil, []ledger.Record{rec}); err != nil {
		return nil, err
	}
	return &next, nil
}
