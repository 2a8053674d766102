package urban

import (
	"context"
	"time"

	"chengguan/internal/identity"
	"chengguan/internal/ledger"
)

// Filter selects cases for a list. Zero fields select everything.
type Filter struct {
	States       []State
	Channel      Channel
	CategoryID   string
	CategoryIDs  []string // any of these categories
	Numbers      []string // any of these case numbers
	DepartmentID string
	UnitPath     string // cases whose territory lies in this subtree
	ReporterID   string
	Overdue      bool // only cases whose stage deadline has passed at Now
	Pending      bool // only cases with a move waiting for approval
	Text         string
	From, To     time.Time // reported in [From, To)
	Now          time.Time
	// Scope is where the actor may see cases: a case is in scope when its territory or
	// its department is.
	Scope identity.Scope
	// After is the keyset cursor: the ID of the last case of the previous page (lists
	// are newest first).
	After string
	// Offset skips cases instead (for protocols that page by offset).
	Offset int
	Limit  int
	// Public reads only what the public may see of a case — its number, channel,
	// category, description, address, point, state, public note, reopenings, the case
	// it was merged into, and the times of report, last change, handling deadline and
	// closing — and leaves the rest of each listed Case zero: nothing that names or
	// leads to a reporter or to staff is read at all.
	Public bool
}

// NumberedEvent is a history event with its case's number.
type NumberedEvent struct {
	Event
	Number string
}

// Store keeps cases. Writes are one transaction each, with their ledger records.
type Store interface {
	// CreateCase inserts a new case with its contact, first event and attachments, and
	// appends recs; it assigns c.Number from the year's gapless counter. A case with the
	// same reporter and client ID makes it return the existing case's ID with an
	// apperr.Conflict "case.duplicate_submission".
	CreateCase(ctx context.Context, c *Case, contact Contact, ev Event, atts []Attachment, recs []ledger.Record) error
	// UpdateCase writes c if its stored version is still c.Version-1, with the events
	// (the first is c's; a merge adds one to the case merged into), attachments and
	// records; a stale version is apperr.Conflict.
	UpdateCase(ctx context.Context, c *Case, evs []Event, atts []Attachment, recs []ledger.Record) error
	// AppendLedgerOnly appends records that change no case (a read of contact details).
	AppendLedgerOnly(ctx context.Context, recs []ledger.Record) error

	CaseByID(ctx context.Context, id string) (*Case, error)
	CaseByNumber(ctx context.Context, number string) (*Case, error)
	CaseByClientID(ctx context.Context, reporterKey, clientID string) (*Case, error)
	ListCases(ctx context.Context, f Filter) ([]Case, error)
	CountCases(ctx context.Context, f Filter) (int, error)
	// EachCase calls fn with every case of f, newest first, streaming; f's page fields
	// are ignored.
	EachCase(ctx context.Context, f Filter, fn func(*Case) error) error
	Events(ctx context.Context, caseID string) ([]Event, error)
	Attachments(ctx context.Context, caseID string) ([]Attachment, error)
	ContactOf(ctx context.Context, caseID string) (Contact, error)
	// Nearby lists open cases of a category reported since a time inside a box of
	// WGS-84 degrees, for duplicate candidates.
	Nearby(ctx context.Context, categoryID string, since time.Time, minLon, minLat, maxLon, maxLat float64, limit int) ([]Case, error)
	// PublicEvents lists the public events at or after from and before to, oldest
	// first, with their cases' numbers.
	PublicEvents(ctx context.Context, from, to time.Time, limit, offset int) ([]NumberedEvent, error)
	// Due lists open cases whose stage has a deadline before a time, for the timer.
	Due(ctx context.Context, before time.Time, limit int) ([]Case, error)
}

// Units is what the loop needs of the organisation tree, unscoped: routing a report to
// its community, checking a department.
type Units interface {
	UnitByID(ctx context.Context, id string) (*identity.Unit, error)
	UnitByCode(ctx context.Context, code string) (*identity.Unit, error)
}

// Categories is the 部件/事件 catalogue as the loop sees it.
type Categories interface {
	Category(ctx context.Context, id string) (Category, error)
}
