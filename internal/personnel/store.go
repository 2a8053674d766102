package personnel

import (
	"context"
	"time"

	"chengguan/internal/ledger"
)

// Kind names a kind of stored record.
type Kind string

// Record kinds. A person is a Row of its own table (it is filtered in lists);
// everything else is a Doc.
const (
	KindPerson      Kind = "person"
	KindCertificate Kind = "certificate"
	KindPeriod      Kind = "period"
	KindDuty        Kind = "duty"
	KindEquipment   Kind = "equipment"
	KindAssignment  Kind = "assignment"
	KindTraining    Kind = "training"
	KindMerit       Kind = "merit"
	KindTransfer    Kind = "transfer"
	KindPopulation  Kind = "population"
	KindQuestion    Kind = "question"
	KindPaper       Kind = "paper"
	KindScore       Kind = "score"
)

// Doc is one stored version of a record other than a person: its JSON body
// with the few columns lists and filters need. Owner is the record it hangs
// from (a person; an item for an assignment; a unit for a population; a
// paper for a score); Ref a second link (the person holding an item, or
// scored); Tag a status or kind to filter on; From and To a sortable period
// ("YYYY-MM-DD" or an RFC 3339 UTC instant; To "" is open).
type Doc struct {
	Kind     Kind
	ID       string
	Owner    string
	Ref      string
	UnitPath string
	Tag      string
	Tag2     string // a second code: a course's organiser level
	Num      int64  // a number to sum: a course's hours
	From, To string
	Version  int
	At       time.Time
	By       string
	Body     []byte
}

// Row is the stored form of a person: the body and the columns the roster
// filters on. CertStatus and CertTo summarise the person's best certificate
// (see certSummary); they change only when a certificate does.
type Row struct {
	Person     Person
	CertStatus CertStatus
	CertTo     string
	Body       []byte
}

// Change is what one Service call writes: new versions of people and docs,
// and their ledger records, in one transaction. A version 1 is inserted;
// version n replaces version n-1 and is a Conflict if the stored version is
// not n-1 (someone changed it meanwhile). Every version is also kept in the
// history.
type Change struct {
	People    []Row
	Docs      []Doc
	Summaries []Summary
	Ledger    []ledger.Record
}

// Summary sets a person's certificate summary columns (Row.CertStatus,
// Row.CertTo) without a new version of the person: they are derived from the
// certificates, whose versions are kept.
type Summary struct {
	PersonID   string
	CertStatus CertStatus
	CertTo     string
}

// Filter selects people for the roster. Paths are the subtrees the viewer
// may see (from identity.ScopeFor; All for the whole tree).
type Filter struct {
	All        bool
	Paths      []string
	UnitPath   string // only this subtree
	StaffType  StaffType
	Post       Post
	Status     PostStatus // on Day
	CertState  CertState  // on Day: valid, expiring, expired, none, suspended, revoked, pending
	Text       string     // in the name
	Day        Date
	Limit      int // 0: all
	Offset     int
	ActiveOnly bool
}

// DocFilter selects docs by their columns.
type DocFilter struct {
	Kind     Kind
	All      bool
	Paths    []string
	Tag      string
	ToAtMost string // t_to <= this
}

// Revision is one stored version of a record, for its history.
type Revision struct {
	Kind    Kind      `json:"kind"`
	ID      string    `json:"id"`
	Version int       `json:"version"`
	At      time.Time `json:"at"`
	By      string    `json:"by"`
	Body    []byte    `json:"-"`
}

// Store keeps personnel records. It holds no rules.
type Store interface {
	// Apply writes ch in one transaction (see Change).
	Apply(ctx context.Context, ch Change) error
	// AppendLedger appends records that change nothing else (views of full records).
	AppendLedger(ctx context.Context, recs ...ledger.Record) error
	// Person returns a person, or NotFound.
	Person(ctx context.Context, id string) (Row, error)
	// PersonByAccount returns the person linked to an account, or NotFound.
	PersonByAccount(ctx context.Context, accountID string) (Row, error)
	// People lists the people f selects, by unit then name, and how many match in all.
	People(ctx context.Context, f Filter) ([]Row, int, error)
	// Doc returns the current version of a doc, or NotFound.
	Doc(ctx context.Context, kind Kind, id string) (Doc, error)
	// Docs lists the current docs of a kind, of one owner ("" for all), in From order.
	Docs(ctx context.Context, kind Kind, owner string) ([]Doc, error)
	// DocsByRef lists the current docs of a kind with a ref.
	DocsByRef(ctx context.Context, kind Kind, ref string) ([]Doc, error)
	// DocsIn lists the current docs of a kind whose unit path lies in one of paths (all when all).
	DocsIn(ctx context.Context, kind Kind, all bool, paths []string) ([]Doc, error)
	// History lists every stored version of a record, oldest first.
	History(ctx context.Context, id string) ([]Revision, error)
	// UnitPath returns the materialised path and name of an organisation unit, or NotFound.
	UnitPath(ctx context.Context, unitID string) (path, name string, err error)
	// Brief lists the people within paths (all when all) with only the
	// columns lists need: no unit ID, ID or phone numbers, no JSON to decode.
	Brief(ctx context.Context, all bool, paths []string) ([]Person, error)
	// Columns lists docs without their bodies (Body nil).
	Columns(ctx context.Context, f DocFilter) ([]Doc, error)
	// UnitCodes maps every unit's code to its ID and path.
	UnitCodes(ctx context.Context) (map[string][2]string, error)
	// UnitsOfKind lists the units of a kind within the subtree at path: ID, path, name.
	UnitsOfKind(ctx context.Context, kind string) ([][3]string, error)
}
