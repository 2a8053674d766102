package urban

import (
	"time"

	"chengguan/internal/calendar"
	"chengguan/internal/identity"
)

// State is where a case stands in the closed loop. The string values are the API and
// database codes.
type State string

// The states of a case (FACTS §1.4).
const (
	StateReported   State = "reported"   // 上报: waiting for 立案
	StateRejected   State = "rejected"   // 不予立案: refused, with a reason the reporter sees
	StateFiled      State = "filed"      // 立案: waiting for 派遣
	StateDispatched State = "dispatched" // 派遣: with the department
	StateReturned   State = "returned"   // 回退: the department says it is not its duty; waiting for re-dispatch
	StateHandled    State = "handled"    // 处置反馈: the department reports it done; waiting for 核查
	StateRework     State = "rework"     // 返工: verification failed; back with the department
	StateVerified   State = "verified"   // 核查通过: waiting for 结案
	StateClosed     State = "closed"     // 结案
	StateHeld       State = "held"       // 挂账: held, e.g. waiting for funds or a season
	StateVoid       State = "void"       // 作废: withdrawn as entered in error
	StateMerged     State = "merged"     // 合并: a duplicate of another case, which carries on
)

// States lists every state in the order of the main path, then the others.
func States() []State {
	return []State{StateReported, StateFiled, StateDispatched, StateHandled, StateVerified, StateClosed,
		StateRework, StateReturned, StateHeld, StateRejected, StateVoid, StateMerged}
}

// Valid reports whether s is a declared state.
func (s State) Valid() bool {
	for _, x := range States() {
		if s == x {
			return true
		}
	}
	return false
}

// Terminal reports whether nothing more happens to a case in s, short of a reopening.
func (s State) Terminal() bool {
	return s == StateClosed || s == StateRejected || s == StateVoid || s == StateMerged
}

// LabelKey is the translation key of the state's name.
func (s State) LabelKey() string { return "case.state." + string(s) }

// Stage is a timed part of the loop; each has its limit in the category.
type Stage string

// The timed stages (FACTS §1.6).
const (
	StageFile     Stage = "file"     // 立案时限, from the report
	StageDispatch Stage = "dispatch" // 派遣时限, from 立案
	StageHandle   Stage = "handle"   // 处置时限, from 派遣
	StageVerify   Stage = "verify"   // 核查时限, from the department's report
)

// StageOf is the stage a case in s is timed by, "" for a state with no clock.
func StageOf(s State) Stage {
	switch s {
	case StateReported:
		return StageFile
	case StateFiled, StateReturned:
		return StageDispatch
	case StateDispatched, StateRework:
		return StageHandle
	case StateHandled:
		return StageVerify
	}
	return ""
}

// Channel is how a report came in.
type Channel string

// The intake channels (DESIGN §2.10).
const (
	ChannelInspector Channel = "inspector" // 监督员上报
	ChannelHotline   Channel = "hotline"   // 12345 热线, entered by an operator
	ChannelResident  Channel = "resident"  // 公众网页上报
	ChannelOpen311   Channel = "open311"   // GeoReport v2 clients
)

// Channels lists the channels.
func Channels() []Channel {
	return []Channel{ChannelInspector, ChannelHotline, ChannelResident, ChannelOpen311}
}

// Valid reports whether c is a declared channel.
func (c Channel) Valid() bool {
	for _, x := range Channels() {
		if c == x {
			return true
		}
	}
	return false
}

// Public reports whether the reporter is a member of the public, who tracks the case by
// its tracking link and whose identity is private.
func (c Channel) Public() bool {
	return c == ChannelResident || c == ChannelOpen311 || c == ChannelHotline
}

// Urgency is how fast a case must be handled; categories may give each level its own
// handling limit.
type Urgency string

// The urgency levels.
const (
	UrgencyNormal   Urgency = "normal"   // 一般
	UrgencyUrgent   Urgency = "urgent"   // 紧急
	UrgencyCritical Urgency = "critical" // 特急
)

// Valid reports whether u is a declared level.
func (u Urgency) Valid() bool {
	return u == UrgencyNormal || u == UrgencyUrgent || u == UrgencyCritical
}

// Limit is a time limit: an amount in a calendar unit.
type Limit struct {
	Amount int           `json:"amount"`
	Unit   calendar.Unit `json:"unit"`
}

// Zero reports whether there is no limit.
func (l Limit) Zero() bool { return l.Amount == 0 }

// Category is what the loop needs of a 部件/事件 category: its code, its handling
// department and the limit of each stage at each urgency.
type Category struct {
	ID           string
	Code         string // four digits: major + minor (FACTS §1.3), with the kind
	Kind         string // "component" (部件) or "event" (事件)
	Name         string
	NameEN       string
	DepartmentID string // the handling department's unit, "" when the centre chooses
	// Enabled categories take new reports; cases of a disabled one carry on.
	Enabled bool
	// Urgencies are the levels the category offers; empty means all.
	Urgencies []Urgency
	Limits    func(Stage, Urgency) Limit
}

// Case is one case of the closed loop. Contact details of the reporter are not here: see
// Contact.
type Case struct {
	ID          string
	Number      string // human number, gapless per year: 2026-000123
	Version     int    // optimistic concurrency: bumped by every change
	Channel     Channel
	CategoryID  string
	Category    string // category code at the time of the report
	Urgency     Urgency
	Description string
	Address     string
	Lon, Lat    float64 // WGS-84
	GridCode    string
	GridVersion int64
	// Territory: the community unit the grid cell belongs to, and its path, which
	// places the case in the organisation tree for jurisdiction.
	UnitID   string
	UnitPath string
	// The department the case is dispatched to, and its path.
	DepartmentID   string
	DepartmentPath string

	State      State
	HeldFrom   State  // the state a held case resumes to
	MergedInto string // the case a merged duplicate was merged into
	Pending    *Pending

	ReporterID   string // the staff account that reported or entered it; "" for the public
	ClientID     string // the reporter's idempotency key
	ReporterKey  string // whose ClientID it is: "account:<id>", an Open311 key, a form session
	TrackingHash string // SHA-256 of the resident's tracking secret

	ReportedAt   time.Time
	UpdatedAt    time.Time
	FiledAt      time.Time
	DispatchedAt time.Time
	HandledAt    time.Time
	VerifiedAt   time.Time
	ClosedAt     time.Time
	// HandleDue is the handling deadline set at 派遣 (moved by an approved extension);
	// whether a case closed on time is judged against it.
	HandleDue time.Time
	// StageDue is the deadline of the stage the case is in; zero when no clock runs.
	StageDue         time.Time
	StageStarted     time.Time
	StageProvisional bool
	WarnedLevel      int       // how many warning fractions have fired in this stage
	EscalatedAt      time.Time // when the overdue escalation fired in this stage

	Reworks    int // 返工 count
	Extensions int // approved 延期 count
	Reopens    int
	Returns    int // 回退 count

	PublicNote string // the last note the reporter may see (e.g. the 不予立案 reason)
	Rating     int    // 1–5, the reporter's satisfaction; 0 when not rated
	RatedAt    time.Time
}

// Pending is a move waiting for a shift lead's approval.
type Pending struct {
	Move   Move      `json:"move"`
	By     string    `json:"by"` // account that asked
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
	// Amount and Unit: the extra time an extension asks for.
	Amount int           `json:"amount,omitempty"`
	Unit   calendar.Unit `json:"unit,omitempty"`
	// DepartmentID: where a dispatch waiting for approval sends the case.
	DepartmentID string `json:"department_id,omitempty"`
	// MergeInto: the case a merge waiting for approval merges into.
	MergeInto string `json:"merge_into,omitempty"`
}

// Resource places the case for identity.Decide: in its territory, and with the
// department it is dispatched to.
func (c *Case) Resource() identity.Resource {
	return identity.Resource{UnitPath: c.UnitPath, HandlerPath: c.DepartmentPath}
}

// hoursAt is the unit whose working hours count a stage's time: the department's for
// 处置, the case's community's otherwise.
func (c *Case) hoursAt(stage Stage) string {
	if stage == StageHandle {
		return c.DepartmentPath
	}
	return c.UnitPath
}

// Overdue reports whether the current stage's deadline has passed at now.
func (c *Case) Overdue(now time.Time) bool {
	return !c.StageDue.IsZero() && now.After(c.StageDue)
}

// Open reports whether the case still needs work.
func (c *Case) Open() bool { return !c.State.Terminal() }

// Contact is how to reach a reporter from the public. It is private: only the intake
// roles read it, and never in lists.
type Contact struct {
	Name  string
	Phone string
	Email string
}

// Empty reports whether no contact detail is given.
func (c Contact) Empty() bool { return c.Name == "" && c.Phone == "" && c.Email == "" }

// Event is one entry of a case's history: a move made, with its note.
type Event struct {
	ID       string
	CaseID   string
	At       time.Time
	ActorID  string // "" for the public
	Role     identity.Role
	UnitID   string
	Move     Move
	From, To State
	Note     string
	// Public events are shown to the reporter and to Open311 clients.
	Public bool
}

// Attachment is a piece of evidence attached to a case at a stage: the photos of the
// report, of the handling, of the verification.
type Attachment struct {
	ID         string
	CaseID     string
	SHA256     string
	Stage      string // "report", "handle", "verify"
	Kind       string // photo, video, audio, document
	MediaType  string
	Size       int64
	Name       string
	CapturedAt time.Time // from EXIF; zero when unknown
	HasGPS     bool
	Lon, Lat   float64
	By         string
	At         time.Time
}
