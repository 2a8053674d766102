package urban

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"
	"chengguan/internal/evidence"
	"chengguan/internal/identity"
)

// Move is a change of a case's state. The string values are the API codes.
type Move string

// The moves (see the package documentation for the diagram).
const (
	MoveReport      Move = "report"       // 上报 (creates the case)
	MoveFile        Move = "file"         // 立案
	MoveReject      Move = "reject"       // 不予立案
	MoveMerge       Move = "merge"        // 合并 into another case as its duplicate
	MoveDispatch    Move = "dispatch"     // 派遣
	MoveReturn      Move = "return"       // 回退: not this department's duty
	MoveExtend      Move = "extend"       // 申请延期
	MoveHandle      Move = "handle"       // 处置反馈
	MoveVerify      Move = "verify"       // 核查通过
	MoveRework      Move = "rework"       // 核查不通过, 返工
	MoveClose       Move = "close"        // 结案
	MoveHold        Move = "hold"         // 挂账
	MoveResume      Move = "resume"       // 解除挂账
	MoveVoid        Move = "void"         // 作废
	MoveReopen      Move = "reopen"       // 重新打开 (reporter or repeat complaint)
	MoveApprove     Move = "approve"      // 值班长批准 the pending move
	MoveDeny        Move = "deny"         // 值班长驳回 the pending move
	MoveRate        Move = "rate"         // 回访 and satisfaction
	MoveEscalate    Move = "escalate"     // overdue: escalated to the shift lead and department
	MoveNote        Move = "note"         // 备注 without a change of state
	MoveContactRead Move = "contact_read" // a reporter's contact details were read
	MoveRecompute   Move = "recompute"    // the deadline moved with a new calendar or working hours
)

// Moves lists the moves a member of staff makes on an existing case, in the order the
// case page offers them.
func Moves() []Move {
	return []Move{MoveFile, MoveReject, MoveMerge, MoveDispatch, MoveHandle, MoveReturn, MoveExtend,
		MoveVerify, MoveRework, MoveClose, MoveReopen, MoveApprove, MoveDeny, MoveHold, MoveResume, MoveVoid}
}

// LabelKey is the translation key of the move's name.
func (m Move) LabelKey() string { return "case.move." + string(m) }

// Action is the identity action a move needs.
func (m Move) Action() identity.Action {
	switch m {
	case MoveReport:
		return identity.ActCaseReport
	case MoveFile, MoveReject, MoveMerge, MoveVoid:
		// An operator may ask to void; the city's approval setting decides
		// whether a shift lead must agree first.
		return identity.ActCaseFile
	case MoveDispatch:
		return identity.ActCaseDispatch
	case MoveReturn, MoveExtend, MoveHandle:
		return identity.ActCaseHandle
	case MoveVerify, MoveRework:
		return identity.ActCaseVerify
	case MoveClose, MoveReopen, MoveRate, MoveNote:
		return identity.ActCaseClose
	case MoveHold, MoveResume, MoveApprove, MoveDeny:
		return identity.ActCaseApprove
	}
	return ""
}

// from lists the states a move may be made in.
func (m Move) from() []State {
	open := []State{StateReported, StateFiled, StateDispatched, StateReturned, StateHandled, StateRework, StateVerified}
	switch m {
	case MoveFile, MoveReject:
		return []State{StateReported}
	case MoveMerge:
		return []State{StateReported, StateFiled}
	case MoveDispatch:
		return []State{StateFiled, StateReturned}
	case MoveReturn, MoveExtend, MoveHandle:
		return []State{StateDispatched, StateRework}
	case MoveVerify, MoveRework:
		return []State{StateHandled}
	case MoveClose:
		return []State{StateVerified}
	case MoveHold:
		return open
	case MoveResume:
		return []State{StateHeld}
	case MoveVoid:
		return []State{StateReported, StateFiled, StateReturned, StateHeld}
	case MoveReopen, MoveRate:
		return []State{StateClosed}
	case MoveApprove, MoveDeny, MoveNote:
		return append(open, StateHeld)
	}
	return nil
}

// target is the state a move leads to; for resume, the state the case was held in.
func (m Move) target(c *Case) State {
	switch m {
	case MoveFile:
		return StateFiled
	case MoveReject:
		return StateRejected
	case MoveMerge:
		return StateMerged
	case MoveDispatch:
		return StateDispatched
	case MoveReturn:
		return StateReturned
	case MoveHandle:
		return StateHandled
	case MoveVerify:
		return StateVerified
	case MoveRework:
		return StateRework
	case MoveClose:
		return StateClosed
	case MoveHold:
		return StateHeld
	case MoveResume:
		return c.HeldFrom
	case MoveVoid:
		return StateVoid
	case MoveReopen:
		return StateFiled
	}
	return c.State
}

// Input is what a member of staff gives with a move.
type Input struct {
	Move   Move
	Note   string // reason or description; required where the move says so
	Public bool   // the note may be shown to the reporter
	// DepartmentID: where to dispatch.
	DepartmentID string
	// MergeInto: the case a duplicate is merged into.
	MergeInto string
	// Amount and Unit: the extension asked for.
	Amount int
	Unit   calendar.Unit
	// Rating: 1–5, for MoveRate.
	Rating int
	// Photos: evidence given with the move (after-photos of 处置 and 核查), stored
	// with PutEvidence first.
	Photos []evidence.Blob
	// Version the client saw; a stale one is a conflict, not a silent overwrite.
	Version int
}

// MaxNote bounds a note, in characters.
const MaxNote = 2000

// noteRequired lists the moves that must say why.
func noteRequired(m Move) bool {
	switch m {
	case MoveReject, MoveReturn, MoveExtend, MoveRework, MoveHold, MoveVoid, MoveReopen, MoveDeny, MoveHandle, MoveNote:
		return true
	}
	return false
}

// Config is a city's settings of the loop.
type Config struct {
	// Approval lists the moves that wait for a shift lead's approval when an operator
	// makes them (本市要求值班长审批的操作). An extension always waits.
	Approval []Move
	// ReopenWithin is how long after closing a reporter may reopen a case.
	ReopenWithin time.Duration
	// WarnAt are the fractions of a stage's time at which a warning fires.
	WarnAt []float64
	// DuplicateRadius and DuplicateWindow bound the duplicate candidates.
	DuplicateRadius float64 // metres
	DuplicateWindow time.Duration
}

// DefaultConfig is the configuration of a city that has not set its own.
func DefaultConfig() Config {
	return Config{
		Approval:        []Move{MoveVoid},
		ReopenWithin:    30 * 24 * time.Hour,
		WarnAt:          []float64{0.5, 0.8},
		DuplicateRadius: 50,
		DuplicateWindow: 72 * time.Hour,
	}
}

// NeedsApproval reports whether a move by an actor who is not a shift lead waits for
// approval.
func (cfg Config) NeedsApproval(m Move) bool {
	return m == MoveExtend || slices.Contains(cfg.Approval, m)
}

// Check is the one rule of the case's state: may move in be made on c at now, and if
// not, why. It does not ask who acts: that is identity.Decide's question. The error is an
// apperr with a translation key the user sees.
func Check(c *Case, in Input, cfg Config, now time.Time) error {
	if in.Move.Action() == "" || in.Move == MoveReport || in.Move == MoveEscalate || in.Move == MoveContactRead ||
		in.Move == MoveRecompute {
		return apperr.InvalidFields(apperr.Field("move", "case.move_unknown"))
	}
	if in.Version != 0 && in.Version != c.Version {
		return apperr.New(apperr.Conflict, "case.changed_meanwhile")
	}
	if !slices.Contains(in.Move.from(), c.State) {
		return apperr.New(apperr.Conflict, "case.move_not_now").With(map[string]any{
			"Move": label(in.Move.LabelKey()), "State": label(c.State.LabelKey())})
	}
	note := strings.TrimSpace(in.Note)
	if noteRequired(in.Move) && note == "" {
		return apperr.InvalidFields(apperr.Field("note", "case.note_required"))
	}
	if utf8.RuneCountInString(in.Note) > MaxNote {
		return apperr.InvalidFields(apperr.Field("note", "case.note_too_long"))
	}
	switch in.Move {
	case MoveApprove, MoveDeny:
		if c.Pending == nil {
			return apperr.New(apperr.Conflict, "case.nothing_pending")
		}
	case MoveDispatch:
		if in.DepartmentID == "" {
			return apperr.InvalidFields(apperr.Field("department_id", "case.department_required"))
		}
	case MoveMerge:
		if in.MergeInto == "" || in.MergeInto == c.ID {
			return apperr.InvalidFields(apperr.Field("merge_into", "case.merge_target_required"))
		}
	case MoveExtend:
		if in.Amount <= 0 || in.Amount > in.Unit.MaxAmount() {
			return apperr.InvalidFields(apperr.Field("amount", "case.extension_amount"))
		}
	case MoveRate:
		if in.Rating < 1 || in.Rating > 5 {
			return apperr.InvalidFields(apperr.Field("rating", "case.rating_range"))
		}
		if c.Rating != 0 {
			return apperr.New(apperr.Conflict, "case.already_rated")
		}
	case MoveReopen:
		if cfg.ReopenWithin > 0 && now.Sub(c.ClosedAt) > cfg.ReopenWithin {
			return apperr.New(apperr.Conflict, "case.reopen_too_late").With(map[string]any{
				"Days": int(cfg.ReopenWithin.Hours() / 24)})
		}
	}
	if c.Pending != nil && in.Move != MoveApprove && in.Move != MoveDeny && in.Move != MoveNote && in.Move != MoveHold {
		return apperr.New(apperr.Conflict, "case.waiting_for_approval").With(map[string]any{
			"Move": label(c.Pending.Move.LabelKey())})
	}
	return nil
}

// label is a translation key passed as a message argument, which the web layer renders
// in the message's language.
type label string

// LabelKeys implements the web layer's translatable-argument interface.
func (l label) LabelKeys() []string { return []string{string(l)} }

// ParseConfig builds a city's Config from its settings: the moves that wait for approval
// (comma-separated codes), the reopening period in days, the warning percentages
// (comma-separated), and the duplicate radius in metres and window. It names the first
// setting that cannot work.
func ParseConfig(approval string, reopenDays int, warnAt string, dupRadius int, dupWindow time.Duration) (Config, error) {
	cfg := DefaultConfig()
	cfg.Approval = nil
	can := []Move{MoveFile, MoveReject, MoveMerge, MoveDispatch, MoveClose, MoveReopen, MoveVoid}
	for _, m := range strings.Split(approval, ",") {
		m = strings.TrimSpace(m)
		if m == "" {
			continue
		}
		if !slices.Contains(can, Move(m)) {
			return Config{}, fmt.Errorf("case-approval: %q is not one of file, reject, merge, dispatch, close, reopen, void", m)
		}
		cfg.Approval = append(cfg.Approval, Move(m))
	}
	if reopenDays < 0 || reopenDays > 3650 {
		return Config{}, fmt.Errorf("case-reopen-days: %d is not between 0 and 3650", reopenDays)
	}
	cfg.ReopenWithin = time.Duration(reopenDays) * 24 * time.Hour
	cfg.WarnAt = nil
	for _, p := range strings.Split(warnAt, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n >= 100 || (len(cfg.WarnAt) > 0 && float64(n)/100 <= cfg.WarnAt[len(cfg.WarnAt)-1]) {
			return Config{}, fmt.Errorf("case-warn-at: %q must be rising percentages between 1 and 99", warnAt)
		}
		cfg.WarnAt = append(cfg.WarnAt, float64(n)/100)
	}
	if dupRadius < 0 || dupRadius > 10_000 || dupWindow < 0 || dupWindow > 366*24*time.Hour {
		return Config{}, fmt.Errorf("duplicate-radius (0–10000 m) or duplicate-window (up to 366 days) out of range")
	}
	cfg.DuplicateRadius, cfg.DuplicateWindow = float64(dupRadius), dupWindow
	return cfg, nil
}
