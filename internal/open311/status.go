package open311

import "strings"

// Status is an extended status (FixMyStreet's "extended statuses"). Plain
// spec clients see only Plain(): open or closed.
type Status string

// The extended statuses. The Backend maps its workflow states to these, e.g.
// 上报 → FOR_TRIAGE, 立案 → OPEN, 派遣 → ACTION_SCHEDULED, 处置 → IN_PROGRESS,
// 核查 → INVESTIGATING, 结案 → FIXED, 不予立案 → NO_FURTHER_ACTION or
// NOT_COUNCILS_RESPONSIBILITY, 作废 → CANCELLED, merged → DUPLICATE,
// reopened → REOPEN.
const (
	StatusOpen                      Status = "OPEN"
	StatusInProgress                Status = "IN_PROGRESS"
	StatusActionScheduled           Status = "ACTION_SCHEDULED"
	StatusInvestigating             Status = "INVESTIGATING"
	StatusForTriage                 Status = "FOR_TRIAGE"
	StatusReopen                    Status = "REOPEN"
	StatusFixed                     Status = "FIXED"
	StatusClosed                    Status = "CLOSED"
	StatusDuplicate                 Status = "DUPLICATE"
	StatusNotCouncilsResponsibility Status = "NOT_COUNCILS_RESPONSIBILITY"
	StatusNoFurtherAction           Status = "NO_FURTHER_ACTION"
	StatusInternalReferral          Status = "INTERNAL_REFERRAL"
	StatusCancelled                 Status = "CANCELLED"
)

// Statuses lists every extended status.
func Statuses() []Status {
	return []Status{StatusOpen, StatusInProgress, StatusActionScheduled, StatusInvestigating,
		StatusForTriage, StatusReopen, StatusFixed, StatusClosed, StatusDuplicate,
		StatusNotCouncilsResponsibility, StatusNoFurtherAction, StatusInternalReferral, StatusCancelled}
}

// Valid reports whether s is one of the extended statuses.
func (s Status) Valid() bool {
	for _, v := range Statuses() {
		if s == v {
			return true
		}
	}
	return false
}

// Plain is the spec status: "open" while work is pending, "closed" once the
// request reached a terminal state. INTERNAL_REFERRAL is closed, as in
// FixMyStreet: the report left this system. An unknown status is open, so
// that nothing is claimed finished by mistake.
func (s Status) Plain() string {
	switch s {
	case StatusFixed, StatusClosed, StatusDuplicate, StatusNotCouncilsResponsibility,
		StatusNoFurtherAction, StatusInternalReferral, StatusCancelled:
		return "closed"
	}
	return "open"
}

// statusesOf returns the extended statuses whose Plain() is plain.
func statusesOf(plain string) []Status {
	var out []Status
	for _, s := range Statuses() {
		if s.Plain() == plain {
			out = append(out, s)
		}
	}
	return out
}

// parseStatus reads a status parameter: open/closed or an extended status,
// case-insensitively (FixMyStreet sends lower case).
func parseStatus(v string) (Status, bool) {
	s := Status(strings.ToUpper(strings.TrimSpace(v)))
	return s, s.Valid()
}
